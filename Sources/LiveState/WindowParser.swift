// Durations as the API, the flags and the config file write them.
import Foundation

/// The one parser of windows and intervals: `500ms`, `90s`, `5m`, `1h`, `24h`, `7d`, `2w` or plain seconds;
/// positive and finite. API query values are capped at `maxLength` characters (16); the CLI's config
/// values pass `.max`.
public enum WindowParser {
    public static func seconds(_ text: String, maxLength: Int = 16) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !t.isEmpty, t.count <= maxLength else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            if let v = Double(number), v.isFinite, v > 0 { return v * factor }
            if suffix == "s" { break }  // "ms" handled first; "5ms" never reaches here
        }
        if let v = Double(t), v.isFinite, v > 0 { return v }
        return nil
    }
}

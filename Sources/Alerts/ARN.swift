// AWS ARN parsing: arn:partition:service:region:account:resource
import Foundation

extension AWSARN {
    /// Parses an ARN. Whitespace around the colons is removed first (some captured
    /// payloads carry `us-east-1: 111122223333`); `raw` holds that cleaned text.
    ///
    /// Resource rules (`resourceType` / `resourceName`):
    /// - `type/name[/...]` → type, first segment after the type; except
    ///   `elasticloadbalancing` (`loadbalancer/app/my-lb/50dc…` → `loadbalancer`, `my-lb`;
    ///   `targetgroup/my-tg/…` → `targetgroup`, `my-tg`) and `ecs` (last segment:
    ///   `service/cluster/checkout` → `service`, `checkout`)
    /// - `type:name[:qualifier]` → type, name (Lambda `function:resize:prod` → `resize`;
    ///   CloudWatch `alarm:My Alarm` keeps everything after `alarm:`)
    /// - services whose resource is a bare name (`sqs`, `sns`, `s3`, and any resource without
    ///   a separator) → nil type, the name (`s3` keeps the bucket, before any `/`).
    public static func parse(_ text: String) -> AWSARN? {
        // Fast reject: the first non-space bytes must be "arn:" (any case).
        var it = text.utf8.drop(while: { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }).prefix(4).makeIterator()
        for expected: UInt8 in [97, 114, 110, 58] {
            guard let b = it.next(), b | (expected == 58 ? 0 : 0x20) == expected else { return nil }
        }
        var cleaned = text.trimmed
        guard cleaned.lowercased().hasPrefix("arn:") else { return nil }
        if cleaned.find(" ") != nil {
            cleaned = cleaned.replacingOccurrences(of: ": ", with: ":").replacingOccurrences(of: " :", with: ":")
            while cleaned.find(": ") != nil { cleaned = cleaned.replacingOccurrences(of: ": ", with: ":") }
        }
        let parts = cleaned.utf8.split(separator: 58, maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        func str(_ i: Int) -> String { String(decoding: parts[i], as: UTF8.self) }
        let partition = str(1), service = str(2)
        let region = str(3), account = str(4)
        let resource = str(5)
        guard !partition.isEmpty, !service.isEmpty, !resource.isEmpty else { return nil }
        var type: String?
        var name: String
        switch service {
        case "sqs", "sns":
            name = String(resource.split(separator: ":", omittingEmptySubsequences: false)[0])
        case "s3":
            name = String(resource.split(separator: "/", omittingEmptySubsequences: false)[0])
        default:
            let slash = resource.firstIndex(of: "/")
            let colon = resource.firstIndex(of: ":")
            if let s = slash, colon.map({ s < $0 }) ?? true {
                let segs = resource.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                type = segs.first
                if service == "elasticloadbalancing" {
                    // loadbalancer/app/NAME/ID, loadbalancer/NAME (classic), targetgroup/NAME/ID
                    if segs.first == "loadbalancer", segs.count >= 4 { name = segs[2] } else { name = segs.count > 1 ? segs[1] : resource }
                } else if service == "ecs" {
                    name = segs.last ?? resource
                } else {
                    name = segs.count > 1 ? segs[1] : resource
                }
            } else if let c = colon {
                type = String(resource[..<c])
                let rest = String(resource[resource.index(after: c)...])
                if service == "lambda" || service == "states" {
                    name = String(rest.split(separator: ":", omittingEmptySubsequences: false)[0])
                } else {
                    name = rest
                }
            } else {
                name = resource
            }
        }
        guard !name.isEmpty else { return nil }
        return AWSARN(partition: partition, service: service, region: region, account: account,
                      resourceType: type, resourceName: name, raw: cleaned)
    }
}

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
        let looksLikeARN = text.withUTF8Bytes { buf -> Bool in
            guard let p = buf.baseAddress else { return false }
            var i = 0
            while i < buf.count, p[i] == 32 || p[i] == 9 || p[i] == 10 || p[i] == 13 { i += 1 }
            guard buf.count - i >= 4 else { return false }
            return p[i] | 0x20 == 97 && p[i + 1] | 0x20 == 114 && p[i + 2] | 0x20 == 110 && p[i + 3] == 58
        }
        guard looksLikeARN else { return nil }
        var cleaned = text.trimmed
        guard cleaned.lowercased().hasPrefix("arn:") else { return nil }
        if cleaned.containsByte(32) { cleaned = collapsingColonSpaces(cleaned) }
        // arn:partition:service:region:account:resource (the resource may hold more colons).
        guard let parts = cleaned.withUTF8Bytes({ splitFields($0) }) else { return nil }
        let partition = parts[1], service = parts[2]
        let region = parts[3], account = parts[4]
        let resource = parts[5]
        guard !partition.isEmpty, !service.isEmpty, !resource.isEmpty else { return nil }
        let (type, name) = ResourceText(resource).typeAndName(service: service)
        guard !name.isEmpty else { return nil }
        return AWSARN(
            partition: partition, service: service, region: region, account: account,
            resourceType: type, resourceName: name, raw: cleaned)
    }

    /// The six `:`-separated fields (the last one keeps any further colons), or nil.
    private static func splitFields(_ buf: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard let base = buf.baseAddress else { return nil }
        var fields: [String] = []
        var start = 0
        while fields.count < 5 {
            guard start <= buf.count, let hit = memchr(base + start, 58, buf.count - start) else { return nil }
            let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            fields.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<at]), as: UTF8.self))
            start = at + 1
        }
        fields.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start...]), as: UTF8.self))
        return fields
    }

    /// Removes every space after a colon and one space before each colon, in one pass:
    /// `us-east-1: 111122223333`, `arn:  aws`, `sqs :` → `:`. (The same text as replacing ": "
    /// and then " :" once each, then ": " until none is left, which took one pass over the whole
    /// string per space and so was quadratic in a run of spaces.)
    static func collapsingColonSpaces(_ text: String) -> String {
        text.withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return text }
            let out = [UInt8](unsafeUninitializedCapacity: buf.count) { o, count in
                var n = 0, i = 0
                var afterColon = false
                while i < buf.count {
                    let b = p[i]
                    i += 1
                    if b == 32 {
                        if !afterColon { o[n] = b; n += 1 }
                    } else if b == 58 {
                        if n > 0, o[n - 1] == 32 { n -= 1 }
                        o[n] = b; n += 1
                        afterColon = true
                    } else {
                        o[n] = b; n += 1
                        afterColon = false
                    }
                }
                count = n
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// An ARN's resource field, split the way `AWSARN.parse` documents. `/` and `:` are found in the
/// UTF-8 bytes (memchr), which names the same positions as the characters `/` and `:` unless a
/// non-ASCII scalar touches one of them (a combining mark after it joins it into another
/// character); such text takes the character-wise path.
private struct ResourceText {
    let text: String
    init(_ text: String) { self.text = text }

    func typeAndName(service: String) -> (String?, String) {
        let bytewise = text.withUTF8Bytes { buf -> (String?, String)? in
            guard let p = buf.baseAddress, separatorsStandAlone(p, buf.count) else { return nil }
            return bytes(p, buf.count, service: service)
        }
        return bytewise ?? characters(service: service)
    }

    private func separatorsStandAlone(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        allStandAlone(p, n, [47, 58])  // / :
    }

    private func bytes(_ p: UnsafePointer<UInt8>, _ n: Int, service: String) -> (String?, String) {
        func str(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(start: p + r.lowerBound, count: r.count), as: UTF8.self) }
        func first(_ b: UInt8, from: Int = 0) -> Int? {
            guard from < n, let hit = memchr(p + from, Int32(b), n - from) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
        }
        switch service {
        case "sqs", "sns": return (nil, str(0..<(first(58) ?? n)))
        case "s3": return (nil, str(0..<(first(47) ?? n)))
        default: break
        }
        let slash = first(47), colon = first(58)
        if let s = slash, colon.map({ s < $0 }) ?? true {
            // The non-empty `/` segments: the first three, the last one, and how many (up to 4).
            var segs: [Range<Int>] = []
            var last: Range<Int>?
            var count = 0
            var start = 0
            while start <= n {
                let end = first(47, from: start) ?? n
                if end > start {
                    if segs.count < 3 { segs.append(start..<end) }
                    last = start..<end
                    count += 1
                }
                start = end + 1
            }
            let type = segs.first.map(str)
            let name: String
            if service == "elasticloadbalancing" {
                if type == "loadbalancer", count >= 4 { name = str(segs[2]) } else { name = count > 1 ? str(segs[1]) : text }
            } else if service == "ecs" {
                name = last.map(str) ?? text
            } else {
                name = count > 1 ? str(segs[1]) : text
            }
            return (type, name)
        }
        if let c = colon {
            let type = str(0..<c)
            if service == "lambda" || service == "states" { return (type, str((c + 1)..<(first(58, from: c + 1) ?? n))) }
            return (type, str((c + 1)..<n))
        }
        return (nil, text)
    }

    private func characters(service: String) -> (String?, String) {
        let resource = text
        switch service {
        case "sqs", "sns":
            return (nil, String(resource.split(separator: ":", omittingEmptySubsequences: false)[0]))
        case "s3":
            return (nil, String(resource.split(separator: "/", omittingEmptySubsequences: false)[0]))
        default:
            let slash = resource.firstIndex(of: "/")
            let colon = resource.firstIndex(of: ":")
            if let s = slash, colon.map({ s < $0 }) ?? true {
                let segs = resource.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                let type = segs.first
                if service == "elasticloadbalancing" {
                    // loadbalancer/app/NAME/ID, loadbalancer/NAME (classic), targetgroup/NAME/ID
                    if segs.first == "loadbalancer", segs.count >= 4 { return (type, segs[2]) }
                    return (type, segs.count > 1 ? segs[1] : resource)
                } else if service == "ecs" {
                    return (type, segs.last ?? resource)
                }
                return (type, segs.count > 1 ? segs[1] : resource)
            } else if let c = colon {
                let type = String(resource[..<c])
                let rest = String(resource[resource.index(after: c)...])
                if service == "lambda" || service == "states" {
                    return (type, String(rest.split(separator: ":", omittingEmptySubsequences: false)[0]))
                }
                return (type, rest)
            }
            return (nil, resource)
        }
    }
}

// The web view's static files. They live as real files in Assets/ (app.css, app.js, favicon.svg)
// and reach the binary as string literals that Assets/embed.py writes into
// WebAssets+Embedded.swift: no resource bundle to install, and the page never loads anything
// from another host.

struct WebAsset: Sendable {
    let contentType: String
    let text: String
    /// A strong validator derived from the content (FNV-1a), for `If-None-Match`.
    let etag: String

    init(contentType: String, text: String) {
        self.contentType = contentType
        self.text = text
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        self.etag = "\"\(String(hash, radix: 16))\""
    }
}

enum WebAssets {
    static let byName: [String: WebAsset] = Dictionary(
        uniqueKeysWithValues: files.map {
            ($0.name, WebAsset(contentType: $0.contentType, text: $0.text))
        })

    /// The mark in the top bar: two partial pictures, one measured (solid) one inferred (dashed).
    static let logo: HTML =
        ##"<svg class="logo" width="22" height="22" viewBox="0 0 22 22" aria-hidden="true" focusable="false"><circle cx="8" cy="11" r="6.5" fill="none" stroke="#56B4E9" stroke-width="2.2"/><circle cx="14" cy="11" r="6.5" fill="none" stroke="#E69F00" stroke-width="2.2" stroke-dasharray="3,2"/></svg>"##
}

// The page shell (head, top bar) and small shared pieces: the window select, legend glyphs.
import Overlay
import TraceGraph

enum Page {
    static func shell(title: String, bodyClass: String, window: String, main: HTML) -> HTML {
        let w = Web.queryValue(window)
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light">
            <title>\(title)</title>
            <link rel="stylesheet" href="/ui/assets/app.css">
            <link rel="icon" href="/ui/assets/favicon.svg" type="image/svg+xml">
            <script src="/ui/assets/app.js" defer></script>
            </head>
            <body class="\(bodyClass)">
            <header class="topbar">
            <a class="brand" href="/?window=\(w)">\(WebAssets.logo)<span>Parallax</span></a>
            <span class="tagline">one production graph from traces and alerts</span>
            <nav aria-label="Main"><a href="/?window=\(w)">Map</a> <a href="/?window=\(w)#disagreements">Disagreements</a> <a href="/api/v1/services?window=\(w)">API</a></nav>
            </header>
            \(main)
            </body>
            </html>

            """
    }

    static func windowSelect(_ current: String) -> HTML {
        var choices = WebView.windowChoices
        if !choices.contains(current) { choices.append(current) }
        var h: HTML = "<select name=\"window\">"
        for c in choices {
            h += "<option value=\"\(c)\"\(c == current ? " selected" : "")>last \(c)</option>"
        }
        return h + "</select>"
    }

    static func kindGlyph(_ kind: NodeKind) -> HTML {
        let fill = WebDOT.fill(kind), stroke = "#3A3A3A"
        let shape: HTML
        switch kind {
        case .service: shape = "<rect x=\"2\" y=\"3\" width=\"22\" height=\"12\" rx=\"3\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .database:
            shape =
                "<path d=\"M4 5 v9 a9 3 0 0 0 18 0 v-9\" fill=\"\(fill)\" stroke=\"\(stroke)\"/><ellipse cx=\"13\" cy=\"5\" rx=\"9\" ry=\"3\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .messaging: shape = "<polygon points=\"2,3 19,3 24,9 19,15 2,15\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .external: shape = "<ellipse cx=\"13\" cy=\"9\" rx=\"11\" ry=\"6\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .user: shape = "<polygon points=\"13,2 23,8 23,16 3,16 3,8\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .resource: shape = "<polygon points=\"3,2 19,2 23,6 23,16 3,16\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        }
        return "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\">\(shape)</svg>"
    }

    static func alertOnlyGlyph() -> HTML {
        "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"2\" y=\"3\" width=\"22\" height=\"12\" fill=\"#FFFFFF\" stroke=\"#D55E00\" stroke-width=\"1.6\" stroke-dasharray=\"4,2\"/></svg>"
    }

    static func teamGlyph() -> HTML {
        "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"1.5\" y=\"1.5\" width=\"23\" height=\"15\" rx=\"4\" fill=\"none\" stroke=\"#56B4E9\" stroke-width=\"1.4\" stroke-dasharray=\"5,2\"/></svg>"
    }
}

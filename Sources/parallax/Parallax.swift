import ArgumentParser

@main
struct Parallax: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallax",
        abstract: "One production graph from OpenTelemetry traces and alert webhooks.",
        discussion: """
            Traces measure who calls whom where code is instrumented; alerts that fire together \
            hint at who depends on whom everywhere else. Parallax receives both and shows one graph.
            """,
        version: "0.1.0",
        subcommands: [Serve.self, Traces.self, Infer.self, OverlayCommand.self, SLOCommand.self, Demo.self]
    )
}

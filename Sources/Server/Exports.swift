// The server's API takes and returns the live state (`GraphState`, `AlertBook`, `GraphComposer`,
// `ReceiverMetrics`), which lives in `LiveState` so the offline CLI can use it without the server.
// Importing `Server` brings it along.
@_exported import LiveState

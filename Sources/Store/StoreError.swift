import Foundation
import GRDB

/// Why the store could not do what was asked. `description` is meant for a log line or an
/// error message on startup: it names the file and, where there is one, what to do about it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The data directory does not exist and could not be created (or is not a directory).
        case cannotCreateDirectory
        /// SQLite could not open or create the database file (permissions, read-only file system, ...).
        case cannotOpen
        /// The file at the path is not an SQLite database.
        case notADatabase
        /// An SQLite database, but not one that Parallax created.
        case notAParallaxStore
        /// The database failed its integrity check (or SQLite reported corruption).
        case corrupt
        /// The database was written by a newer Parallax (unknown migrations).
        case newerSchema
        /// A write (append, prune, checkpoint) failed; nothing of it was committed.
        case writeFailed
        /// The disk (or the file system quota) is full; nothing of the write was committed.
        case diskFull
        /// A read failed.
        case readFailed
        /// A stored alert row could not be turned back into an `Alert`.
        case badAlertRow
        /// The stored checkpoint could not be decoded (e.g. written by an incompatible version).
        case checkpointUnreadable
        /// The caller passed something the store cannot store.
        case invalidArgument
    }

    public var code: Code
    public var message: String
    /// The error that caused this one (usually a GRDB `DatabaseError`), if any.
    public var underlying: (any Error)?

    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code; self.message = message; self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return "store: \(message)" }
        return "store: \(message) (\(Self.describe(underlying)))"
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            var s = "SQLite error \(e.extendedResultCode.rawValue)"
            if let m = e.message { s += ": \(m)" }
            return s
        }
        return String(describing: error)
    }

    /// Maps an error thrown while doing `what` on the file at `path`.
    static func wrap(_ error: any Error, _ fallback: Code, _ what: String, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB:
                return StoreError(
                    code: .notADatabase,
                    message: "\(path) is not an SQLite database; move it away or use another data directory", underlying: e)
            case .SQLITE_CORRUPT:
                return StoreError(
                    code: .corrupt,
                    message: "\(path) is corrupt (\(what)); restore a backup or move it away to start empty", underlying: e)
            case .SQLITE_FULL:
                return StoreError(code: .diskFull, message: "disk full while trying to \(what) in \(path)", underlying: e)
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
                if fallback == .cannotOpen || fallback == .readFailed {
                    return StoreError(
                        code: .cannotOpen,
                        message: "cannot \(what) \(path): check that the directory and file are writable by this user and on a writable file system",
                        underlying: e)
                }
            default:
                break
            }
        }
        return StoreError(code: fallback, message: "cannot \(what) \(path)", underlying: error)
    }
}

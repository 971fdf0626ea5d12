import Foundation
import Testing
@testable import GANData

/// A fresh directory under the system's temporary folder, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "gandata-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// Creates `path/name` as a directory and returns its path.
    func directory(_ name: String) throws -> String {
        let sub = file(name)
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        return sub
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// The `DataError` that `body` throws, or nil when it succeeds or throws something else.
func dataError<T>(_ body: () throws -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)")
        return nil
    }
}

/// Checks that `error` exists, has `kind`, and that its message names every one of `phrases`.
func expectError(_ error: DataError?, _ kind: DataError.Kind, mentions phrases: [String],
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("expected a DataError (\(kind)), none was thrown", sourceLocation: sourceLocation)
        return
    }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    for phrase in phrases {
        #expect(error.description.contains(phrase), "message lacks '\(phrase)': \(error)", sourceLocation: sourceLocation)
    }
}

/// A deterministic byte pattern with structure (gradients) and detail (a checkerboard).
func patternBytes(width: Int, height: Int, channels: Int, seed: Int = 0) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                let gradient = (x * 255 / max(width - 1, 1) + y * 128 / max(height - 1, 1) + c * 60 + seed * 17) % 256
                out[(y * width + x) * channels + c] = UInt8(gradient)
            }
        }
    }
    return out
}

/// A smooth image (JPEG-friendly): gradients only.
func smoothBitmap(width: Int, height: Int, channels: Int) -> Bitmap {
    var out = [UInt8](repeating: 0, count: width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                out[(y * width + x) * channels + c] = UInt8(x * 150 / width + y * 50 / height + c * 20)
            }
        }
    }
    return Bitmap(width: width, height: height, channels: channels, pixels: out)
}

/// Runs a program and returns its exit status and combined output, or nil when it is not installed.
func runTool(_ arguments: [String]) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if process.terminationStatus == 127 { return nil }  // env: command not found
    return (process.terminationStatus, output)
}

/// Whether `name` is on the PATH.
func toolExists(_ name: String) -> Bool {
    ProcessInfo.processInfo.environment["PATH", default: "/usr/bin:/bin"].split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
}

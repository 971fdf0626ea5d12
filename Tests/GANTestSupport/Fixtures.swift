import Foundation
import GANTensor

/// A fixture file made by `scripts/make_fixtures.py`: safetensors with F32 tensors named
/// `<case>.<role>` and each case's parameters as JSON in the metadata.
public struct Fixture {
    /// Tensors by name.
    public let tensors: [String: Tensor]
    /// The raw `__metadata__` strings.
    public let metadata: [String: String]

    /// The folder holding the committed fixtures (`Tests/Fixtures`).
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Loads `Tests/Fixtures/<name>.safetensors`.
    public init(_ name: String) throws {
        let url = Fixture.directory.appendingPathComponent("\(name).safetensors")
        let data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw FixtureError.malformed("\(url.path): shorter than 8 bytes") }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard headerLength <= data.count - 8,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        else { throw FixtureError.malformed("\(url.path): bad header") }
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], entry["dtype"] as? String == "F32",
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                  offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= body.count,
                  (offsets[1] - offsets[0]) == 4 * Shape.count(shape)
            else { throw FixtureError.malformed("\(url.path): bad entry \(name)") }
            let values = body.subdata(in: offsets[0]..<offsets[1]).withUnsafeBytes { raw in
                (0..<Shape.count(shape)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            tensors[name] = Tensor(values, shape: shape)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The case names, in the order the script wrote them.
    public var cases: [String] {
        guard let text = metadata["cases"], let data = text.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [String] else { return [] }
        return list
    }

    /// A case's parameters.
    public func parameters(_ name: String) -> [String: Any] {
        guard let text = metadata[name], let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// The tensor `<case>.<role>`, or `nil`.
    public func tensor(_ name: String, _ role: String) -> Tensor? { tensors["\(name).\(role)"] }

    /// The tensor called `name`; stops the test when missing.
    public subscript(_ name: String) -> Tensor {
        guard let t = tensors[name] else { preconditionFailure("fixture has no tensor \(name)") }
        return t
    }
}

public enum FixtureError: Error, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self { case .malformed(let s): return "malformed fixture: \(s)" }
    }
}

/// Reads an integer pair parameter that may be written as `2` or `[2, 1]`.
public func pair(_ value: Any?, default fallback: Int) -> (Int, Int) {
    if let v = value as? Int { return (v, v) }
    if let v = value as? [Int], v.count == 2 { return (v[0], v[1]) }
    return (fallback, fallback)
}

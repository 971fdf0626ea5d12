import Foundation
import GANTestSupport
import Testing
@testable import GANData

// The restricted unpickler on pickles Python wrote (Tests/Fixtures/archives/, made by
// scripts/make_archive_fixtures.py): plain data comes back; code never runs.

/// Allows nothing beyond plain data; counts what it was asked, to show refusals come first.
private final class DataOnly: PickleResolver {
    var asked: [String] = []
    func allows(_ global: PickleGlobal) -> Bool { asked.append("allows \(global)"); return false }
    func isPlainClass(_ global: PickleGlobal) -> Bool { false }
    func reduce(_ callable: PickleGlobal, arguments: [PickleValue]) throws -> PickleValue {
        asked.append("reduce \(callable)")
        throw DataError(.unsupported, path: "test", "reduce")
    }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue { throw DataError(.unsupported, path: "test", "persistent") }
}

/// Allows `collections OrderedDict` and makes it an empty dict; every other REDUCE is refused.
private struct OrderedDictOnly: PickleResolver {
    func allows(_ global: PickleGlobal) -> Bool { global.module == "collections" || global.module == "builtins" }
    func isPlainClass(_ global: PickleGlobal) -> Bool { false }
    func reduce(_ callable: PickleGlobal, arguments: [PickleValue]) throws -> PickleValue {
        guard callable == PickleGlobal("collections", "OrderedDict") else {
            throw DataError(.unsupported, path: "test", "REDUCE of '\(callable)' is not allowed")
        }
        return .dict(PickleDict())
    }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue { throw DataError(.unsupported, path: "test", "persistent") }
}

@Suite struct UnpicklerTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        try FileIO.readBytes(Fixture.directory.appendingPathComponent("archives/\(name)").path)
    }

    @Test func rebuildsPlainData() throws {
        let value = try Unpickler.load(try Self.bytes("data.pkl"), resolver: DataOnly(), source: "data.pkl")
        guard case .dict(let root) = value else { Issue.record("root is \(value.kind)"); return }
        #expect(root.entries.compactMap(\.key.string) == ["ints", "floats", "flags", "text", "nested", "shared"])
        let ints: [Int] = [0, 1, -2, 255, 256, 65535, 65536, -(1 << 31), 1 << 31, -(1 << 40), 1 << 62]
        #expect(root["ints"]?.items?.compactMap(\.int) == ints)
        guard case .tuple(let floats)? = root["floats"], floats.count == 3,
              case .float(let a) = floats[0], case .float(let b) = floats[1], case .float(let c) = floats[2] else {
            Issue.record("floats: \(root["floats"]?.kind ?? "missing")"); return
        }
        #expect(a == 1.5 && b == 0 && b.sign == .minus && c == 1e300)
        guard case .tuple(let flags)? = root["flags"], flags.count == 3, case .bool(true) = flags[0],
              case .bool(false) = flags[1], case .none = flags[2] else { Issue.record("flags"); return }
        #expect(root["text"]?.string == "héllo, wörld")
        guard case .dict(let nested)? = root["nested"] else { Issue.record("nested"); return }
        #expect(nested["empty"]?.items?.isEmpty == true)
        #expect(nested.entries.first { $0.key.int == 3 }?.value.string == "int key")
        // The same list twice is one list (a memo reference), as in Python.
        guard case .tuple(let shared)? = root["shared"], shared.count == 2,
              case .list(let first) = shared[0], case .list(let second) = shared[1] else { Issue.record("shared"); return }
        #expect(first === second && first.items.first?.string == "shared")
    }

    @Test(arguments: [("os_system.pkl", "os system"), ("posix_system.pkl", "posix system")])
    func refusesASystemCallBeforeAnythingRuns(file: String, global: String) throws {
        let resolver = DataOnly()
        let error = try #require(dataError { try Unpickler.load(try Self.bytes(file), resolver: resolver, source: file) })
        print("refused: \(error)")
        #expect(error.kind == .unsupported)
        #expect(error.reason.contains("GLOBAL '\(global)', which is not allowed"))
        #expect(error.reason.contains("refused at byte 2"))
        #expect(resolver.asked == ["allows \(global)"])  // never asked to reduce
    }

    @Test func refusesReduceOfACallableTheResolverDoesNotAllow() throws {
        // GLOBAL 'builtins eval' is let through here; its REDUCE is not.
        let pickle: [UInt8] = [0x80, 0x02] + Array("cbuiltins\neval\nX\u{3}\u{0}\u{0}\u{0}1+1".utf8) + [0x85, 0x52, 0x2e]
        let error = try #require(dataError { try Unpickler.load(pickle, resolver: OrderedDictOnly(), source: "eval") })
        #expect(error.reason == "REDUCE of 'builtins eval' is not allowed")
        // And REDUCE of something that is not a global at all.
        let notGlobal: [UInt8] = [0x80, 0x02] + Array("X\u{1}\u{0}\u{0}\u{0}f".utf8) + [0x29, 0x52, 0x2e]
        let second = try #require(dataError { try Unpickler.load(notGlobal, resolver: OrderedDictOnly(), source: "s") })
        #expect(second.kind == .unsupported && second.reason.contains("REDUCE of a string"))
        // The allowed one works.
        let ordered: [UInt8] = [0x80, 0x02] + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x2e]
        #expect(try Unpickler.load(ordered, resolver: OrderedDictOnly(), source: "o").isDict)
    }

    @Test func refusesOtherProtocolsAndOpcodesByName() throws {
        let four = try #require(dataError { try Unpickler.load(try Self.bytes("protocol4.pkl"), resolver: DataOnly(), source: "p4") })
        #expect(four.kind == .unsupported && four.reason.contains("protocol 4"))
        // INST (protocol 0's way to call a class) is refused by name.
        let inst = Array("(ios\nsystem\nS'ls'\n.".utf8)
        let error = try #require(dataError { try Unpickler.load(inst, resolver: DataOnly(), source: "inst") })
        #expect(error.reason.contains("opcode INST (0x69)"), "\(error)")
    }

    @Test func cutShortOrInconsistentPicklesAreMalformed() throws {
        let data = try Self.bytes("data.pkl")
        let cut = try #require(dataError { try Unpickler.load(Array(data.dropLast()), resolver: DataOnly(), source: "cut") })
        #expect(cut.kind == .malformed && cut.reason.contains("ends without STOP"))
        let half = try #require(dataError { try Unpickler.load(Array(data.prefix(data.count / 2)), resolver: DataOnly(), source: "h") })
        #expect(half.kind == .malformed)
        let badMemo: [UInt8] = [0x80, 0x02, 0x68, 0x05, 0x2e]
        #expect(dataError { try Unpickler.load(badMemo, resolver: DataOnly(), source: "m") }?.reason
                .contains("memo entry 5 read before it was written") == true)
    }
}

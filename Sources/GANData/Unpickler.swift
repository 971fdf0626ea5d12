/// What a caller of `Unpickler` allows beyond plain data: which globals may appear, which
/// classes may be made as plain objects, what an accepted REDUCE and a persistent id become.
///
/// Anything a resolver does not accept stops the reading with an error; nothing a pickle
/// names is ever imported or called.
public protocol PickleResolver {
    /// Whether GLOBAL `global` may appear at all.
    func allows(_ global: PickleGlobal) -> Bool
    /// Whether NEWOBJ may make an instance of `global` (no arguments) as a `PickleObject`.
    func isPlainClass(_ global: PickleGlobal) -> Bool
    /// The value of REDUCE `callable(*arguments)`; throws to refuse it.
    func reduce(_ callable: PickleGlobal, arguments: [PickleValue]) throws -> PickleValue
    /// The value of BINPERSID `id`; throws to refuse it.
    func persistentLoad(_ id: PickleValue) throws -> PickleValue
}

/// A restricted reader of Python pickles, protocol 2 (what `torch.save` and `torch.jit.save`
/// write): it rebuilds data — None, bools, ints, floats, strings, tuples, lists, dicts — and
/// hands globals, object creation, REDUCE and persistent ids to a `PickleResolver`. Other
/// opcodes (INST, OBJ, EXT*, protocol 0 text forms, protocol 4 frames) are refused by name.
///
/// ```swift
/// let root = try Unpickler.load(bytes, resolver: TorchResolver(...), source: "model.pt/data.pkl")
/// ```
public enum Unpickler {
    /// Reads one pickle from `bytes`; `source` names it in errors.
    ///
    /// - Throws: `DataError` `.unsupported` for a refused opcode or global (naming it and its
    ///   byte offset), `.malformed` for a pickle that is cut short or inconsistent, or
    ///   whatever the resolver throws.
    public static func load(_ bytes: [UInt8], resolver: PickleResolver, source: String) throws -> PickleValue {
        var reader = Reader(bytes: bytes, resolver: resolver, source: source)
        return try reader.run()
    }

    /// Every pickle opcode's name, for error messages.
    static let opcodeNames: [UInt8: String] = [
        0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT",
        0x4a: "BININT", 0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE", 0x50: "PERSID",
        0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
        0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
        0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6a: "LONG_BINGET",
        0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
        0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
        0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
        0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES",
        0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8", 0x8e: "BINBYTES8",
        0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL",
        0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]

    /// One pass over the opcodes: a stack with marks, and the memo.
    private struct Reader {
        let bytes: [UInt8]
        let resolver: PickleResolver
        let source: String
        var position = 0
        var opcodeStart = 0
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        init(bytes: [UInt8], resolver: PickleResolver, source: String) {
            self.bytes = bytes
            self.resolver = resolver
            self.source = source
        }

        mutating func run() throws -> PickleValue {
            while true {
                opcodeStart = position
                let opcode = try byte()
                switch opcode {
                case 0x80:  // PROTO
                    let version = try byte()
                    guard version <= 2 else { throw refuse("protocol \(version) (this reader takes protocols 0–2, as torch.save writes)") }
                case 0x2e:  // STOP
                    guard let value = stack.popLast(), stack.isEmpty, marks.isEmpty else {
                        throw malformed("STOP with \(stack.count) values and \(marks.count) marks left on the stack")
                    }
                    return value
                case 0x28: marks.append(stack.count)  // MARK
                case 0x30: _ = try pop()  // POP
                case 0x31: _ = try popMark()  // POP_MARK
                case 0x32: stack.append(try top())  // DUP
                case 0x4e: stack.append(.none)
                case 0x88: stack.append(.bool(true))
                case 0x89: stack.append(.bool(false))
                case 0x4a: stack.append(.int(Int(Int32(bitPattern: UInt32(try uint(4))))))  // BININT
                case 0x4b: stack.append(.int(Int(try uint(1))))  // BININT1
                case 0x4d: stack.append(.int(Int(try uint(2))))  // BININT2
                case 0x8a:  // LONG1: n little-endian two's-complement bytes
                    let n = Int(try byte())
                    guard n <= 8 else { throw refuse("an integer of \(n) bytes (at most 8 are read)") }
                    let raw = try uint(n)
                    let shift = UInt64(64 - 8 * n)
                    stack.append(.int(n == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
                case 0x47: stack.append(.float(Double(bitPattern: try uint(8).byteSwapped)))  // BINFLOAT: big-endian
                case 0x58:  // BINUNICODE
                    let count = Int(try uint(4))
                    stack.append(.string(String(decoding: try take(count), as: UTF8.self)))
                case 0x29: stack.append(.tuple([]))
                case 0x74: stack.append(.tuple(try popMark()))
                case 0x85, 0x86, 0x87:  // TUPLE1-3
                    let n = Int(opcode - 0x84)
                    guard stack.count >= n + (marks.last ?? 0) else { throw malformed("TUPLE\(n) on a stack of \(stack.count)") }
                    let items = Array(stack.suffix(n))
                    stack.removeLast(n)
                    stack.append(.tuple(items))
                case 0x5d: stack.append(.list(PickleList()))
                case 0x6c: stack.append(.list(PickleList(try popMark())))  // LIST
                case 0x61:  // APPEND
                    let item = try pop()
                    try list(try top()).items.append(item)
                case 0x65:  // APPENDS
                    let items = try popMark()
                    try list(try top()).items.append(contentsOf: items)
                case 0x7d: stack.append(.dict(PickleDict()))
                case 0x64:  // DICT
                    let dict = PickleDict()
                    try setItems(dict, try popMark())
                    stack.append(.dict(dict))
                case 0x73:  // SETITEM
                    let value = try pop(), key = try pop()
                    try setItems(try dict(try top()), [key, value])
                case 0x75:  // SETITEMS
                    let items = try popMark()
                    try setItems(try dict(try top()), items)
                case 0x71: memo[Int(try uint(1))] = try top()  // BINPUT
                case 0x72: memo[Int(try uint(4))] = try top()  // LONG_BINPUT
                case 0x68, 0x6a:  // BINGET, LONG_BINGET
                    let key = Int(try uint(opcode == 0x68 ? 1 : 4))
                    guard let value = memo[key] else { throw malformed("memo entry \(key) read before it was written") }
                    stack.append(value)
                case 0x63:  // GLOBAL "module\nname\n"
                    let global = PickleGlobal(try line(), try line())
                    guard resolver.allows(global) else {
                        throw refuse("GLOBAL '\(global)', which is not allowed (this reader rebuilds module trees with tensors and never runs code)")
                    }
                    stack.append(.global(global))
                case 0x81:  // NEWOBJ cls args
                    let arguments = try pop(), cls = try pop()
                    guard case .global(let global) = cls, resolver.isPlainClass(global) else {
                        throw refuse("NEWOBJ of \(cls.kind), which is not an allowed class")
                    }
                    guard case .tuple(let items) = arguments, items.isEmpty else {
                        throw refuse("NEWOBJ of '\(global)' with arguments (\(arguments.kind))")
                    }
                    stack.append(.object(PickleObject(type: "\(global.module).\(global.name)")))
                case 0x52:  // REDUCE callable args
                    let arguments = try pop(), callable = try pop()
                    guard case .global(let global) = callable else {
                        throw refuse("REDUCE of \(callable.kind), which is not an allowed callable")
                    }
                    guard case .tuple(let items) = arguments else { throw malformed("REDUCE with \(arguments.kind) as arguments") }
                    stack.append(try resolver.reduce(global, arguments: items))
                case 0x62:  // BUILD obj state
                    let state = try pop()
                    switch try top() {
                    case .object(let object):
                        guard object.state == nil else { throw malformed("BUILD twice on an object of \(object.type)") }
                        object.state = state
                    case .dict where state.isDict:
                        // Attributes of a dict subclass (a state dict's `_metadata`), not items: dropped.
                        break
                    case let target:
                        throw refuse("BUILD on \(target.kind) with \(state.kind) (only objects of allowed classes take a state)")
                    }
                case 0x51: stack.append(try resolver.persistentLoad(try pop()))  // BINPERSID
                default:
                    let name = Unpickler.opcodeNames[opcode].map { "opcode \($0)" } ?? "unknown opcode"
                    throw refuse("\(name) (0x\(String(opcode, radix: 16))), which this reader does not take")
                }
            }
        }

        // MARK: - Reading bytes

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw malformed("the pickle ends without STOP (cut short?)") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count <= bytes.count - position else {
                throw malformed("needs \(count) more bytes, \(bytes.count - position) are left (cut short?)")
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }

        /// A little-endian unsigned integer of `count` bytes.
        mutating func uint(_ count: Int) throws -> UInt64 {
            var value: UInt64 = 0
            for (i, b) in try take(count).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            return value
        }

        /// Text up to a newline (GLOBAL's two arguments).
        mutating func line() throws -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw malformed("GLOBAL without its newline") }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        // MARK: - The stack

        mutating func pop() throws -> PickleValue {
            guard stack.count > (marks.last ?? 0), let value = stack.popLast() else { throw malformed("a value is missing on the stack") }
            return value
        }

        func top() throws -> PickleValue {
            guard stack.count > (marks.last ?? 0), let value = stack.last else { throw malformed("a value is missing on the stack") }
            return value
        }

        mutating func popMark() throws -> [PickleValue] {
            guard let mark = marks.popLast() else { throw malformed("no MARK to close") }
            let items = Array(stack[mark...])
            stack.removeLast(stack.count - mark)
            return items
        }

        func list(_ value: PickleValue) throws -> PickleList {
            guard case .list(let list) = value else { throw malformed("APPEND to \(value.kind)") }
            return list
        }

        func dict(_ value: PickleValue) throws -> PickleDict {
            guard case .dict(let dict) = value else { throw malformed("SETITEM on \(value.kind)") }
            return dict
        }

        func setItems(_ dict: PickleDict, _ items: [PickleValue]) throws {
            guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values (\(items.count))") }
            for i in stride(from: 0, to: items.count, by: 2) {
                let (key, value) = (items[i], items[i + 1])
                // A repeated key replaces the value in place, as in a Python dict.
                if let j = dict.entries.firstIndex(where: { $0.key.sameKey(as: key) }) {
                    dict.entries[j].value = value
                } else {
                    dict.entries.append((key, value))
                }
            }
        }

        // MARK: - Errors

        func refuse(_ reason: String) -> DataError {
            DataError(.unsupported, path: source, "refused at byte \(opcodeStart): \(reason)")
        }

        func malformed(_ reason: String) -> DataError {
            DataError(.malformed, path: source, "not a valid pickle at byte \(opcodeStart): \(reason)")
        }
    }
}

/// A value read by `Unpickler`: Python's data types, the globals a `PickleResolver` allowed,
/// plain objects of allowed classes, and what the resolver built (`.external`: a storage, a
/// tensor).
///
/// Lists, dicts and objects are classes, as in Python: a pickle memoizes a list or an object
/// before filling it, and every later reference must see the filled one.
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// GLOBAL `module name`, as a reference: the unpickler never imports or calls it.
    case global(PickleGlobal)
    /// NEWOBJ of a class the resolver treats as a plain object; BUILD sets its state.
    case object(PickleObject)
    /// Whatever the resolver returned for a persistent id or a REDUCE it accepted.
    case external(Any)

    /// The string, or `nil`.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, or `nil`.
    public var int: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// Whether this is a dict.
    public var isDict: Bool {
        if case .dict = self { return true }
        return false
    }

    /// The items of a tuple or a list, or `nil`.
    public var items: [PickleValue]? {
        switch self {
        case .tuple(let items): return items
        case .list(let list): return list.items
        default: return nil
        }
    }

    /// Whether two dict keys are equal: strings, ints and bools by value (the keys a module
    /// tree or a state dict uses); other keys never compare equal.
    func sameKey(as other: PickleValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        default: return false
        }
    }

    /// A short description for error messages (`tuple of 3`, `'os system'`).
    public var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .tuple(let items): return "a tuple of \(items.count)"
        case .list(let list): return "a list of \(list.items.count)"
        case .dict(let dict): return "a dict of \(dict.entries.count)"
        case .global(let g): return "the global '\(g)'"
        case .object(let o): return "an object of \(o.type)"
        case .external(let value): return "\(type(of: value))"
        }
    }
}

/// GLOBAL `module name` (`torch._utils _rebuild_tensor_v2`).
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
    public let module: String
    public let name: String

    public init(_ module: String, _ name: String) {
        self.module = module
        self.name = name
    }

    /// `module name`, as pickletools prints it.
    public var description: String { "\(module) \(name)" }
}

/// A Python list.
public final class PickleList {
    public var items: [PickleValue]
    public init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict, in insertion order (pickle writes an OrderedDict's or a module's attributes
/// in their order).
public final class PickleDict {
    public var entries: [(key: PickleValue, value: PickleValue)]
    public init(_ entries: [(key: PickleValue, value: PickleValue)] = []) { self.entries = entries }

    /// The value of the string key `key`, or `nil`.
    public subscript(key: String) -> PickleValue? {
        entries.last { $0.key.string == key }?.value
    }
}

/// An instance of an allowed class made by NEWOBJ with no arguments, with the state BUILD gave
/// it (a TorchScript module: a dict of its attributes).
public final class PickleObject {
    /// `module.name` of the class (`__torch__.inceptionv3.Conv2dLayer`).
    public let type: String
    /// What BUILD passed, or `nil` before BUILD.
    public var state: PickleValue?
    public init(type: String) { self.type = type }
}

import GANData
import GANLayers
import GANTensor

/// The tensors of a PyTorch zip archive (`torch.jit.save`'s TorchScript module, or
/// `torch.save`'s module or state dict), read without PyTorch and without running anything.
///
/// ```text
/// PREFIX/data.pkl      the module tree, pickled (protocol 2)
/// PREFIX/data/N        raw little-endian storages, named by the pickle's persistent ids
/// PREFIX/code/, constants.pkl, version, byteorder    (not read; byteorder checked)
/// ```
///
/// `data.pkl` is read by `Unpickler` with a resolver that accepts only what a module tree
/// with tensors needs: `__torch__.*` classes (made as plain objects: their attributes),
/// `torch._utils._rebuild_tensor_v2`, `collections.OrderedDict`, `torch.jit._pickle.build_*list`,
/// and `torch.*Storage` persistent ids (`('storage', torch.FloatStorage, '0', 'cpu', numel)`)
/// pointing at `PREFIX/data/N`. Anything else (`os system`, a REDUCE of another callable) is
/// refused with an error naming it.
///
/// ```swift
/// let archive = try TorchScriptArchive(ZipArchive(contentsOf: "default_1.pt"))
/// let state = try archive.stateDict()   // "net.layers.conv.weight" [32, 3, 3, 3], …
/// ```
public struct TorchScriptArchive {
    /// The zip archive.
    public let zip: ZipArchive
    /// The folder every entry sits in (`out_jit_module/`, `archive/`).
    public let prefix: String

    /// The storage element types read, by their `torch` class name.
    static let storageTypes: [String: DType] = ["FloatStorage": .float32, "DoubleStorage": .float32, "LongStorage": .int64]

    /// Opens a PyTorch archive: one folder holding `data.pkl`.
    ///
    /// - Throws: `DataError` naming the file when it has no `*/data.pkl`, or stores big-endian data.
    public init(_ zip: ZipArchive) throws {
        let pickles = zip.entries.map(\.name).filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }
        guard let pickle = pickles.first, pickles.count == 1 else {
            throw DataError(.malformed, path: zip.source, pickles.isEmpty
                ? "not a PyTorch archive: no FOLDER/data.pkl among its \(zip.entries.count) entries"
                : "\(pickles.count) data.pkl files (\(pickles.joined(separator: ", "))); expected one")
        }
        self.zip = zip
        prefix = String(pickle.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: try zip.contents(of: order), as: UTF8.self)
            guard text == "little" else {
                throw DataError(.unsupported, path: zip.source, "storages are in '\(text)' byte order; only little-endian is read")
            }
        }
    }

    /// The unpickled `data.pkl`: for TorchScript, the root module as a `PickleObject` whose state
    /// is a dict of its attributes (submodules, tensors as `TorchTensor`, flags).
    public func root() throws -> PickleValue {
        let source = zip.source + ":" + prefix + "data.pkl"
        return try Unpickler.load(try zip.contents(of: prefix + "data.pkl"), resolver: TorchResolver(archive: self), source: source)
    }

    /// Every tensor attribute of the module tree by dotted name (`net.layers.conv.weight`),
    /// depth first in attribute order, as the module's `state_dict()` names them; a state dict
    /// saved with `torch.save` gives its own keys. Float and double storages come back as
    /// Float32, long storages as Int64 entries.
    ///
    /// TorchScript keeps parameters, buffers and any other tensor attribute alike in the pickle;
    /// a tensor attribute that is neither would be listed here too, as `state_dict()` would not.
    ///
    /// - Throws: `DataError` for a refused pickle, a missing or short storage, a tensor whose
    ///   strides reach outside its storage, or a root that is neither a module nor a dict.
    public func stateDict() throws -> StateDict {
        var state = StateDict()
        var visited = Set<ObjectIdentifier>()
        func walk(_ attributes: PickleDict, prefix: String, depth: Int) throws {
            guard depth < 64 else { throw DataError(.malformed, path: zip.source, "modules nested deeper than 64 at '\(prefix)'") }
            for (key, value) in attributes.entries {
                guard let name = key.string else { continue }
                switch value {
                case .external(let tensor as TorchTensor):
                    state.insert(prefix + name, try tensor.materialized(), dtype: tensor.storage.dtype)
                case .object(let child) where child.type.hasPrefix("__torch__."):
                    guard visited.insert(ObjectIdentifier(child)).inserted else { continue }
                    guard case .dict(let childAttributes)? = child.state else {
                        throw DataError(.malformed, path: zip.source, "module '\(prefix + name)' (\(child.type)) has no attribute dict")
                    }
                    try walk(childAttributes, prefix: prefix + name + ".", depth: depth + 1)
                default:
                    continue  // flags, ints, lists, None: not tensors
                }
            }
        }
        switch try root() {
        case .object(let module):
            guard case .dict(let attributes)? = module.state else {
                throw DataError(.malformed, path: zip.source, "the root module (\(module.type)) has no attribute dict")
            }
            visited.insert(ObjectIdentifier(module))
            try walk(attributes, prefix: "", depth: 0)
        case .dict(let dict):
            try walk(dict, prefix: "", depth: 0)
        case let other:
            throw DataError(.malformed, path: zip.source, "data.pkl holds \(other.kind), not a module or a state dict")
        }
        return state
    }

    /// The bytes of storage `key` (`PREFIX/data/KEY`), checked to hold `count` elements.
    func storageBytes(key: String, count: Int, dtype: DType, elementSize: Int) throws -> [UInt8] {
        let name = prefix + "data/" + key
        guard zip.entry(named: name) != nil else {
            throw DataError(.malformed, path: zip.source, "the pickle names storage '\(key)', but the archive has no \(name)")
        }
        let bytes = try zip.contents(of: name)
        guard bytes.count == count * elementSize else {
            throw DataError(.malformed, path: zip.source,
                            "storage \(name) holds \(bytes.count) bytes, the pickle says \(count) elements of \(elementSize)")
        }
        return bytes
    }
}

/// A storage of a PyTorch archive: its elements, read once however many tensors view it.
final class TorchStorage {
    let key: String
    /// The entry's dtype in the state dict (a double storage gives Float32 values).
    let dtype: DType
    /// The elements as Float (exact for float32; long values beyond 2^24 round, as Tensor holds Float).
    let values: [Float]

    init(key: String, values: [Float], dtype: DType) {
        self.key = key
        self.values = values
        self.dtype = dtype
    }
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, …)`: a strided view of a storage.
struct TorchTensor {
    let storage: TorchStorage
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    let source: String

    /// The view's elements as a contiguous tensor, after checking every index stays inside the storage.
    func materialized() throws -> Tensor {
        let count = shape.reduce(1, *)
        var last = offset
        for (extent, stride) in zip(shape, strides) where extent > 0 {
            let (step, overflow) = (extent - 1).multipliedReportingOverflow(by: stride)
            guard !overflow, stride >= 0 else {
                throw DataError(.malformed, path: source, "storage '\(storage.key)': stride \(stride) for extent \(extent)")
            }
            last += step
        }
        guard offset >= 0, count == 0 || last < storage.values.count else {
            throw DataError(.malformed, path: source, "a tensor of shape \(shape), strides \(strides), offset \(offset) "
                + "reaches outside storage '\(storage.key)' of \(storage.values.count) elements")
        }
        let contiguous = Shape.strides(shape)
        if strides == contiguous || count <= 1 {
            return Tensor(Array(storage.values[offset..<(offset + count)]), shape: shape)
        }
        var values = [Float]()
        values.reserveCapacity(count)
        for flat in 0..<count {
            var rest = flat, index = offset
            for axis in shape.indices {
                index += (rest / contiguous[axis]) * strides[axis]
                rest %= contiguous[axis]
            }
            values.append(storage.values[index])
        }
        return Tensor(values, shape: shape)
    }
}

/// What `data.pkl` may hold beyond plain data: see `TorchScriptArchive`.
struct TorchResolver: PickleResolver {
    let archive: TorchScriptArchive
    private let storages = StorageCache()

    init(archive: TorchScriptArchive) { self.archive = archive }

    /// Storages by key: several tensors may view one.
    final class StorageCache { var byKey: [String: TorchStorage] = [:] }

    static let listBuilders: Set<String> = ["build_intlist", "build_doublelist", "build_boollist"]

    func allows(_ global: PickleGlobal) -> Bool {
        switch (global.module, global.name) {
        case ("torch._utils", "_rebuild_tensor_v2"), ("collections", "OrderedDict"): return true
        case ("torch.jit._pickle", let name): return TorchResolver.listBuilders.contains(name)
        case ("torch", let name): return TorchScriptArchive.storageTypes[name] != nil
        default: return isPlainClass(global)
        }
    }

    func isPlainClass(_ global: PickleGlobal) -> Bool {
        global.module == "__torch__" || global.module.hasPrefix("__torch__.")
    }

    func reduce(_ callable: PickleGlobal, arguments: [PickleValue]) throws -> PickleValue {
        let source = archive.zip.source
        switch (callable.module, callable.name) {
        case ("collections", "OrderedDict"):
            guard arguments.isEmpty else { throw refuse("OrderedDict with arguments") }
            return .dict(PickleDict())
        case ("torch.jit._pickle", _):
            guard arguments.count == 1, case .list = arguments[0] else { throw refuse("\(callable.name) of \(arguments.count) arguments") }
            return arguments[0]
        case ("torch._utils", "_rebuild_tensor_v2"):
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard (6...7).contains(arguments.count), case .external(let storage as TorchStorage) = arguments[0],
                  let offset = arguments[1].int, let size = arguments[2].items?.compactMap(\.int),
                  let stride = arguments[3].items?.compactMap(\.int),
                  size.count == arguments[2].items?.count, stride.count == size.count,
                  size.allSatisfy({ $0 >= 0 })
            else { throw refuse("_rebuild_tensor_v2 with arguments (\(arguments.map(\.kind).joined(separator: ", ")))") }
            if case .dict(let hooks) = arguments[5], !hooks.entries.isEmpty { throw refuse("a tensor with backward hooks") }
            return .external(TorchTensor(storage: storage, offset: offset, shape: size, strides: stride, source: source))
        default:
            throw refuse("REDUCE of '\(callable)', which is not an allowed callable")
        }
    }

    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        // ('storage', torch.FloatStorage, key, location, numel)
        guard let items = id.items, items.count == 5, items[0].string == "storage",
              case .global(let type) = items[1], let key = items[2].string, let count = items[4].int, count >= 0
        else { throw refuse("persistent id \(id.kind) (expected ('storage', torch.XStorage, key, location, numel))") }
        guard type.module == "torch", let dtype = TorchScriptArchive.storageTypes[type.name] else {
            throw refuse("storage type '\(type)' (Float, Double and Long storages are read)")
        }
        if let known = storages.byKey[key] { return .external(known) }
        let values: [Float]
        switch type.name {
        case "FloatStorage":
            let bytes = try archive.storageBytes(key: key, count: count, dtype: dtype, elementSize: 4)
            values = (0..<count).map { Float(bitPattern: littleEndian32(bytes, 4 * $0)) }
        case "DoubleStorage":
            let bytes = try archive.storageBytes(key: key, count: count, dtype: dtype, elementSize: 8)
            values = (0..<count).map { Float(Double(bitPattern: littleEndian64(bytes, 8 * $0))) }
        default:
            let bytes = try archive.storageBytes(key: key, count: count, dtype: dtype, elementSize: 8)
            values = (0..<count).map { Float(Int64(bitPattern: littleEndian64(bytes, 8 * $0))) }
        }
        let storage = TorchStorage(key: key, values: values, dtype: dtype)
        storages.byKey[key] = storage
        return .external(storage)
    }

    private func refuse(_ reason: String) -> DataError {
        DataError(.unsupported, path: archive.zip.source + ":" + archive.prefix + "data.pkl", "refused: \(reason)")
    }
}

private func littleEndian32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}

private func littleEndian64(_ b: [UInt8], _ i: Int) -> UInt64 {
    UInt64(littleEndian32(b, i)) | UInt64(littleEndian32(b, i + 4)) << 32
}

import GANTensor

// The module tree: parameters and buffers in reference boxes, each module listing its
// children once through a visitor under PyTorch's state_dict names. Everything that walks
// a model (parameters, state dicts, train/eval, copies) derives from that one list.

/// How a tensor is stored in a checkpoint. Tensors are Float32 in memory; a buffer marked
/// `.int64` (BatchNorm's `num_batches_tracked`) is written as an integer.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int64 = "I64"

    /// Bytes per element in a file.
    public var byteCount: Int {
        switch self {
        case .float32: return 4
        case .float16, .bfloat16: return 2
        case .int64: return 8
        }
    }
}

/// A trainable tensor of a module: a reference box, so a generator, its EMA, an optimiser and
/// a checkpoint can all hold the same parameter.
///
/// The value is always a leaf that requires gradients: `backward()` accumulates into
/// `gradient`. Only optimisers and `Module.load(stateDict:)` assign a new value.
public final class Parameter: CustomStringConvertible {
    /// The current value, a leaf. Assigning a tensor that is not a leaf detaches it first.
    public var value: Tensor {
        didSet {
            if !value.isLeaf { value = value.detach().requiringGradient() }
        }
    }

    /// A parameter holding `value` (detached, as a new leaf).
    public init(_ value: Tensor) {
        self.value = value.detach().requiringGradient()
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// The gradient accumulated by `backward()`, if any.
    public var gradient: Tensor? { value.gradient }

    /// Forgets the accumulated gradient.
    public func clearGradient() { value.clearGradient() }

    public var description: String { "Parameter(shape: \(shape))" }
}

/// A non-trainable tensor of a module (running statistics, a power-iteration vector): a
/// reference box whose value only a statistics update or `Module.load(stateDict:)` assigns.
public final class Buffer: CustomStringConvertible {
    /// The current value, never part of a graph (assigning a recorded tensor detaches it).
    public var value: Tensor {
        didSet {
            if value.requiresGradient { value = value.detach() }
        }
    }
    /// How the buffer is written to a checkpoint.
    public let dtype: DType
    /// Whether the buffer belongs to the state dict (PyTorch's `persistent`).
    public let isPersistent: Bool

    /// A buffer holding `value`, saved as `dtype` when persistent.
    public init(_ value: Tensor, dtype: DType = .float32, persistent: Bool = true) {
        self.value = value.detach()
        self.dtype = dtype
        self.isPersistent = persistent
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    public var description: String { "Buffer(shape: \(shape), \(dtype.rawValue))" }
}

/// Receives a module's children, in order, under their PyTorch state_dict names.
///
/// A module's `visitChildren(_:)` calls these once per child; the optional overloads skip an
/// absent child (a layer built without bias lists no `bias`).
public protocol ModuleVisitor: AnyObject {
    /// A trainable tensor.
    func parameter(_ name: String, _ parameter: Parameter)
    /// A non-trainable tensor.
    func buffer(_ name: String, _ buffer: Buffer)
    /// A sub-module; its children are named `name.<child>`.
    func module(_ name: String, _ module: Module)
}

extension ModuleVisitor {
    /// Lists `parameter` when present.
    public func parameter(_ name: String, _ parameter: Parameter?) {
        if let parameter { self.parameter(name, parameter) }
    }

    /// Lists `buffer` when present.
    public func buffer(_ name: String, _ buffer: Buffer?) {
        if let buffer { self.buffer(name, buffer) }
    }

    /// Lists `module` when present.
    public func module(_ name: String, _ module: Module?) {
        if let module { self.module(name, module) }
    }
}

/// The base of every layer and model.
///
/// A subclass lists its children once, explicitly, under PyTorch's names, and implements
/// `structuralCopy()`; `parameters()`, `stateDict()`, `load(stateDict:strict:)`, `train()` /
/// `eval()` and `copy()` all derive from that list. Forward is `callAsFunction`.
///
/// ```swift
/// final class Critic: Module, UnaryLayer {
///     let main: Sequential
///     init(using rng: inout RandomGenerator) {
///         main = Sequential(Conv2d(inputChannels: 1, outputChannels: 64, kernelSize: 4,
///                                  stride: 2, padding: 1, using: &rng), LeakyReLU(0.2))
///     }
///     override func visitChildren(_ v: ModuleVisitor) { v.module("main", main) }
///     override func structuralCopy() -> Module { var r = RandomGenerator(seed: 0); return Critic(using: &r) }
///     func callAsFunction(_ x: Tensor) -> Tensor { main(x) }
/// }
/// ```
open class Module {
    /// Whether the module is in training mode (batch statistics, power iterations, dropout)
    /// or evaluation mode. Change it with `train(_:)` / `eval()`, which reach every child.
    public internal(set) var isTraining = true

    public init() {}

    /// Lists this module's direct children. Override it, calling `visitor.parameter`,
    /// `visitor.buffer` and `visitor.module` once per child, with PyTorch's names.
    open func visitChildren(_ visitor: ModuleVisitor) {}

    /// A new module of the same class and configuration with its own parameter and buffer
    /// boxes (their values do not matter: `copy()` overwrites them). Override it in every
    /// subclass that should support `copy()` (and so EMA copies).
    open func structuralCopy() -> Module {
        preconditionFailure("\(type(of: self)) does not override structuralCopy(), so it cannot be copied")
    }

    /// Sets this module's own mode (a wrapper also sets the layer it hides).
    func setTrainingMode(_ mode: Bool) {
        isTraining = mode
    }
}

// MARK: - Walking the tree

/// Collects the children of one module.
final class ChildCollector: ModuleVisitor {
    var parameters: [(String, Parameter)] = []
    var buffers: [(String, Buffer)] = []
    var modules: [(String, Module)] = []
    /// Every child in listing order, for a state dict in PyTorch's order.
    var order: [(String, Kind)] = []

    enum Kind { case parameter(Parameter), buffer(Buffer), module(Module) }

    func parameter(_ name: String, _ parameter: Parameter) {
        parameters.append((name, parameter)); order.append((name, .parameter(parameter)))
    }
    func buffer(_ name: String, _ buffer: Buffer) {
        buffers.append((name, buffer)); order.append((name, .buffer(buffer)))
    }
    func module(_ name: String, _ module: Module) {
        modules.append((name, module)); order.append((name, .module(module)))
    }

    static func collect(_ module: Module) -> ChildCollector {
        let c = ChildCollector()
        module.visitChildren(c)
        return c
    }
}

extension Module {
    /// The direct sub-modules, with their names.
    public func children() -> [(name: String, module: Module)] {
        ChildCollector.collect(self).modules.map { ($0.0, $0.1) }
    }

    /// This module (named `""`) and every module below it, depth first, in listing order.
    public func namedModules() -> [(name: String, module: Module)] {
        var result: [(name: String, module: Module)] = [("", self)]
        for (name, child) in children() {
            for (sub, m) in child.namedModules() {
                result.append((sub.isEmpty ? name : "\(name).\(sub)", m))
            }
        }
        return result
    }

    /// Every parameter with its dotted name (`main.0.weight`), in listing order; a parameter
    /// shared by two children appears once, under its first name.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var seen = Set<ObjectIdentifier>()
        return allParameters().filter { seen.insert(ObjectIdentifier($0.parameter)).inserted }
    }

    /// Every parameter, once each, in listing order (what an optimiser takes).
    public func parameters() -> [Parameter] {
        namedParameters().map(\.parameter)
    }

    /// Every buffer (persistent or not) with its dotted name, in listing order.
    public func namedBuffers() -> [(name: String, buffer: Buffer)] {
        var result: [(name: String, buffer: Buffer)] = []
        walk(prefix: "") { name, kind in
            if case .buffer(let b) = kind { result.append((name, b)) }
        }
        return result
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        parameters().reduce(0) { $0 + $1.value.count }
    }

    /// Every parameter under every name, duplicates included.
    func allParameters() -> [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        walk(prefix: "") { name, kind in
            if case .parameter(let p) = kind { result.append((name, p)) }
        }
        return result
    }

    /// Calls `body` for every parameter and buffer below this module, with its dotted name,
    /// in listing order (a child module's entries where the module is listed).
    func walk(prefix: String, _ body: (String, ChildCollector.Kind) -> Void) {
        for (name, kind) in ChildCollector.collect(self).order {
            switch kind {
            case .module(let m): m.walk(prefix: prefix + name + ".", body)
            default: body(prefix + name, kind)
            }
        }
    }

    /// Puts this module and every module below it in training mode (`true`) or evaluation
    /// mode (`false`), as PyTorch's `train(mode)`.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for (_, m) in namedModules() { m.setTrainingMode(mode) }
        return self
    }

    /// Puts this module and every module below it in evaluation mode.
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Forgets the accumulated gradient of every parameter.
    public func zeroGradients() {
        for p in parameters() { p.clearGradient() }
    }

    /// Calls `body` on this module and every module below it (as PyTorch's `apply`), e.g. to
    /// initialise every convolution.
    public func forEachModule(_ body: (Module) -> Void) {
        for (_, m) in namedModules() { body(m) }
    }
}

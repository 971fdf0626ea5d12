import GANTensor

/// A module whose forward takes one tensor and returns one: what `Sequential` chains.
public protocol UnaryLayer: Module {
    /// The forward pass.
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Builds the layer list of a `Sequential` from a block.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any UnaryLayer) -> [any UnaryLayer] { [layer] }
    public static func buildExpression(_ layers: [any UnaryLayer]) -> [any UnaryLayer] { layers }
    public static func buildBlock(_ parts: [any UnaryLayer]...) -> [any UnaryLayer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any UnaryLayer]?) -> [any UnaryLayer] { part ?? [] }
    public static func buildEither(first part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    public static func buildEither(second part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    public static func buildArray(_ parts: [[any UnaryLayer]]) -> [any UnaryLayer] { parts.flatMap { $0 } }
}

/// Layers applied in order, as PyTorch's `nn.Sequential`: children are named `0`, `1`, …
/// (or by the given names), so `Sequential(...)` stored as `main` gives `main.0.weight`.
///
/// ```swift
/// let main = Sequential {
///     ConvTranspose2d(inputChannels: 100, outputChannels: 64, kernelSize: 7, using: &rng)
///     BatchNorm2d(features: 64)
///     ReLU()
/// }
/// ```
public final class Sequential: Module, UnaryLayer {
    /// The layers, in order.
    public let layers: [any UnaryLayer]
    /// Each layer's state_dict name.
    public let names: [String]

    /// Layers named `0`, `1`, ….
    public init(layers: [any UnaryLayer]) {
        self.layers = layers
        self.names = layers.indices.map(String.init)
    }

    /// Layers named `0`, `1`, ….
    public convenience init(_ layers: any UnaryLayer...) {
        self.init(layers: layers)
    }

    /// Layers named `0`, `1`, …, from a builder block.
    public convenience init(@LayerBuilder _ build: () -> [any UnaryLayer]) {
        self.init(layers: build())
    }

    /// Layers with explicit names (PyTorch's `nn.Sequential(OrderedDict(...))`).
    public init(named layers: [(String, any UnaryLayer)]) {
        precondition(Set(layers.map(\.0)).count == layers.count, "Sequential: repeated layer name in \(layers.map(\.0))")
        self.layers = layers.map(\.1)
        self.names = layers.map(\.0)
    }

    /// Applies the layers in order: `[N, …]` → the last layer's output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }

    /// The layer at `index`.
    public subscript(index: Int) -> any UnaryLayer { layers[index] }

    /// The number of layers.
    public var count: Int { layers.count }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        for (name, layer) in zip(names, layers) { visitor.module(name, layer) }
    }

    override public func structuralCopy() -> Module {
        Sequential(named: zip(names, layers).map { ($0, $1.copy()) })
    }
}

/// An indexed list of modules, as PyTorch's `nn.ModuleList`: children `0`, `1`, …, no
/// forward of its own (progressive generators keep one block per resolution in one).
public final class ModuleList<Element: Module>: Module, RandomAccessCollection {
    /// The modules, in order.
    public let modules: [Element]

    /// The list of `modules`, named `0`, `1`, ….
    public init(_ modules: [Element]) {
        self.modules = modules
    }

    public var startIndex: Int { modules.startIndex }
    public var endIndex: Int { modules.endIndex }
    public subscript(position: Int) -> Element { modules[position] }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        for (i, m) in modules.enumerated() { visitor.module(String(i), m) }
    }

    override public func structuralCopy() -> Module {
        ModuleList(modules.map { $0.copy() })
    }
}

/// Returns its input: a placeholder where a configuration has no layer.
public final class Identity: Module, UnaryLayer {
    public override init() {}
    /// `x` → `x`, any shape.
    public func callAsFunction(_ input: Tensor) -> Tensor { input }
    override public func structuralCopy() -> Module { Identity() }
}

/// A layer made of a closure with no parameters (a reshape, a custom activation). It has no
/// state_dict entries, but it takes an index in a `Sequential`, like a PyTorch `Lambda` module.
public final class Lambda: Module, UnaryLayer {
    private let body: (Tensor) -> Tensor

    /// A layer applying `body`.
    public init(_ body: @escaping (Tensor) -> Tensor) {
        self.body = body
    }

    /// `body(x)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
    override public func structuralCopy() -> Module { Lambda(body) }
}

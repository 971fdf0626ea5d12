/// An n-dimensional array of Float32 values, row-major (NCHW for images).
///
/// `Tensor` is a value: ops return new tensors and never change their inputs. A tensor
/// that requires gradients carries a node of the autograd graph; ops on it record how to
/// propagate gradients back (see `Autograd.swift`).
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGradient()
/// let y = (x * x).sum()
/// y.backward()
/// x.gradient  // [[2, 4], [6, 8]]
/// ```
public struct Tensor: @unchecked Sendable {
    /// The extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The values, contiguous, row-major.
    public let storage: TensorStorage
    /// The autograd node that produced this tensor, or the leaf node of a tensor that
    /// requires gradients; `nil` for constants.
    @usableFromInline internal let node: GradNode?

    /// Wraps an existing storage. `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        self.init(shape: shape, storage: storage, node: nil)
    }

    @usableFromInline
    internal init(shape: [Int], storage: TensorStorage, node: GradNode?) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(Shape.count(shape) == storage.count,
                     "Tensor: shape \(shape) needs \(Shape.count(shape)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor holding `values` in row-major order.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == Shape.count(shape),
                     "Tensor(_:shape:): \(values.count) values do not fill shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(copying: values))
    }

    /// A 1-D tensor holding `values`.
    public init(_ values: [Float]) {
        self.init(values, shape: [values.count])
    }

    /// A 0-D (scalar) tensor.
    public init(_ value: Float) {
        self.init([value], shape: [])
    }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { storage.count }

    /// The values, row-major, as an array.
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) elements, expected 1")
        return storage.base[0]
    }

    /// Calls `body` with the values; valid only inside `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(storage.buffer))
        }
    }

    /// Resolves a possibly negative axis against this tensor's rank.
    @inlinable
    public func normalizedAxis(_ axis: Int, op: StaticString = #function) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        func format(_ dim: Int, _ offset: Int) -> String {
            if dim == rank { return "\(storage.base[offset])" }
            let stride = Shape.count(Array(shape[(dim + 1)...]))
            let limit = 8
            var parts: [String] = []
            for i in 0..<shape[dim] {
                if shape[dim] > limit && i == limit / 2 {
                    parts.append("...")
                }
                if shape[dim] > limit && i >= limit / 2 && i < shape[dim] - limit / 2 { continue }
                parts.append(format(dim + 1, offset + i * stride))
            }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        let grad = node != nil ? ", requiresGradient" : ""
        return "Tensor(shape: \(shape)\(grad), \(count == 0 ? "[]" : format(0, 0)))"
    }
}

// Element-wise binary ops with NumPy broadcasting, and comparisons.

extension Tensor {
    static func binary(
        _ op: String, _ a: Tensor, _ b: Tensor, _ kernel: ElementwiseKernels.Arithmetic,
        rule: @escaping DerivativeRule
    ) -> Tensor {
        let outShape = Shape.broadcastOrFail(a.shape, b.shape, op: op)
        let values = ElementwiseKernels.arithmetic(kernel, a, b, outShape: outShape)
        return record(op, shape: outShape, storage: values, inputs: [a, b], rule: rule)
    }

    @inline(__always)
    static func binary(
        _ op: String, _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float, rule: @escaping DerivativeRule
    ) -> Tensor {
        let outShape = Shape.broadcastOrFail(a.shape, b.shape, op: op)
        let values = ElementwiseKernels.zip(a, b, outShape: outShape, f)
        return record(op, shape: outShape, storage: values, inputs: [a, b], rule: rule)
    }

    /// Element-wise sum, broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let sa = a.shape, sb = b.shape
        return binary("add", a, b, .add) { ctx in
            [ctx.needsGradient[0] ? ctx.gradient.sum(toShape: sa) : nil,
             ctx.needsGradient[1] ? ctx.gradient.sum(toShape: sb) : nil]
        }
    }

    /// Element-wise difference, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let sa = a.shape, sb = b.shape
        return binary("sub", a, b, .subtract) { ctx in
            [ctx.needsGradient[0] ? ctx.gradient.sum(toShape: sa) : nil,
             ctx.needsGradient[1] ? (-ctx.gradient).sum(toShape: sb) : nil]
        }
    }

    /// Element-wise product, broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary("mul", a, b, .multiply) { ctx in
            [ctx.needsGradient[0] ? (ctx.gradient * b).sum(toShape: a.shape) : nil,
             ctx.needsGradient[1] ? (ctx.gradient * a).sum(toShape: b.shape) : nil]
        }
    }

    /// Element-wise quotient, broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary("div", a, b, .divide) { ctx in
            [ctx.needsGradient[0] ? (ctx.gradient / b).sum(toShape: a.shape) : nil,
             ctx.needsGradient[1] ? (-ctx.gradient * a / (b * b)).sum(toShape: b.shape) : nil]
        }
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        // (-1)·x flips the sign bit exactly as negation does, zeros and NaNs included.
        let values = ElementwiseKernels.arithmetic(.multiply, x, Tensor(Float(-1)), outShape: x.shape)
        return record("neg", shape: x.shape, storage: values, inputs: [x]) { ctx in [-ctx.gradient] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }

    /// The larger of `a` and `b` element-wise; on ties each gets half the gradient, as PyTorch.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary("maximum", a, b, { Swift.max($0, $1) }) { ctx in
            let (ad, bd) = (a.detach(), b.detach())
            let wa = (ad.isGreater(than: bd) + ad.isEqual(to: bd) * 0.5)
            return [ctx.needsGradient[0] ? (ctx.gradient * wa).sum(toShape: a.shape) : nil,
                    ctx.needsGradient[1] ? (ctx.gradient * (1 - wa)).sum(toShape: b.shape) : nil]
        }
    }

    /// The smaller of `a` and `b` element-wise; on ties each gets half the gradient.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary("minimum", a, b, { Swift.min($0, $1) }) { ctx in
            let (ad, bd) = (a.detach(), b.detach())
            let wa = (ad.isLess(than: bd) + ad.isEqual(to: bd) * 0.5)
            return [ctx.needsGradient[0] ? (ctx.gradient * wa).sum(toShape: a.shape) : nil,
                    ctx.needsGradient[1] ? (ctx.gradient * (1 - wa)).sum(toShape: b.shape) : nil]
        }
    }

    /// `a` where `condition` is non-zero, else `b`; all three broadcast together.
    /// The condition is not differentiated.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let ab = Shape.broadcastOrFail(a.shape, b.shape, op: "where")
        let outShape = Shape.broadcastOrFail(condition.shape, ab, op: "where")
        let values = ElementwiseKernels.zip3(condition, a, b, outShape: outShape) { c, x, y in c != 0 ? x : y }
        let mask = condition.detach()
        return record("where", shape: outShape, storage: values, inputs: [a, b]) { ctx in
            let keep = mask.isNotEqual(to: Tensor(0))
            return [ctx.needsGradient[0] ? (ctx.gradient * keep).sum(toShape: a.shape) : nil,
                    ctx.needsGradient[1] ? (ctx.gradient * (1 - keep)).sum(toShape: b.shape) : nil]
        }
    }

    @inline(__always)
    static func compare(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Bool) -> Tensor {
        let outShape = Shape.broadcastOrFail(a.shape, b.shape, op: op)
        return Tensor(shape: outShape, storage: ElementwiseKernels.zip(a, b, outShape: outShape) { f($0, $1) ? 1 : 0 })
    }

    /// 1 where `self > other`, else 0 (a constant: comparisons have no gradient).
    public func isGreater(than other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isGreater") { $0 > $1 } }
    /// 1 where `self >= other`, else 0.
    public func isGreaterOrEqual(to other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isGreaterOrEqual") { $0 >= $1 } }
    /// 1 where `self < other`, else 0.
    public func isLess(than other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isLess") { $0 < $1 } }
    /// 1 where `self <= other`, else 0.
    public func isLessOrEqual(to other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isLessOrEqual") { $0 <= $1 } }
    /// 1 where `self == other`, else 0.
    public func isEqual(to other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isEqual") { $0 == $1 } }
    /// 1 where `self != other`, else 0.
    public func isNotEqual(to other: Tensor) -> Tensor { Tensor.compare(self, other, op: "isNotEqual") { $0 != $1 } }

    public func isGreater(than value: Float) -> Tensor { isGreater(than: Tensor(value)) }
    public func isLess(than value: Float) -> Tensor { isLess(than: Tensor(value)) }

    /// Whether every element is finite.
    public var isFinite: Bool {
        withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } }
    }

    /// A constant copy with NaN and ±infinity replaced by `value`.
    public func replacingNonFinite(with value: Float) -> Tensor {
        Tensor(shape: shape, storage: ElementwiseKernels.map(storage) { $0.isFinite ? $0 : value })
    }
}

import GANKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Element-wise functions and activations. Each primitive has one derivative rule in
// tensor ops; the rest are composed from primitives.

extension Tensor {
    @inline(__always)
    static func unary(
        _ op: String, _ x: Tensor, _ f: (Float) -> Float, savesOutput: Bool = false,
        rule: @escaping DerivativeRule
    ) -> Tensor {
        record(op, shape: x.shape, storage: ElementwiseKernels.map(x.storage, f), inputs: [x],
               savesOutput: savesOutput, rule: rule)
    }

    static func vectorUnary(
        _ op: String, _ x: Tensor,
        _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
        savesOutput: Bool = false, rule: @escaping DerivativeRule
    ) -> Tensor {
        record(op, shape: x.shape, storage: ElementwiseKernels.vectorMath(x.storage, kernel), inputs: [x],
               savesOutput: savesOutput, rule: rule)
    }

    /// `e^x`.
    public func exp() -> Tensor {
        Tensor.vectorUnary("exp", self, { gk_exp($0, $1, $2) }, savesOutput: true) { ctx in
            [ctx.gradient * ctx.output!]
        }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        Tensor.vectorUnary("log", self, { gk_log($0, $1, $2) }) { ctx in [ctx.gradient / self] }
    }

    /// `log(1 + x)`, accurate for small `x`.
    public func log1p() -> Tensor {
        Tensor.unary("log1p", self, { log1pf($0) }) { ctx in [ctx.gradient / (self + 1)] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        Tensor.vectorUnary("sqrt", self, { gk_sqrt($0, $1, $2) }, savesOutput: true) { ctx in
            [ctx.gradient * 0.5 / ctx.output!]
        }
    }

    /// `1 / sqrt(x)`.
    public func rsqrt() -> Tensor {
        Tensor.vectorUnary("rsqrt", self, { gk_rsqrt($0, $1, $2) }, savesOutput: true) { ctx in
            let y = ctx.output!
            return [ctx.gradient * -0.5 * y * y * y]
        }
    }

    /// `x^exponent` for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 1 { return self }
        if exponent == 2 { return square() }
        return Tensor.unary("pow", self, { powf($0, exponent) }) { ctx in
            exponent == 0 ? [Tensor.zeros(self.shape)] : [ctx.gradient * exponent * self.pow(exponent - 1)]
        }
    }

    /// `x * x`.
    public func square() -> Tensor {
        let values = ElementwiseKernels.arithmetic(.multiply, self, self, outShape: shape)
        return Tensor.record("square", shape: shape, storage: values, inputs: [self]) { ctx in [ctx.gradient * 2 * self] }
    }

    /// `|x|`; its gradient at 0 is 0.
    public func abs() -> Tensor {
        Tensor.unary("abs", self, { Swift.abs($0) }) { ctx in [ctx.gradient * self.detach().sign()] }
    }

    /// -1, 0 or 1 (a constant: no gradient flows through it).
    public func sign() -> Tensor {
        Tensor(shape: shape, storage: ElementwiseKernels.map(storage) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
    }

    /// Values limited to `[minimum, maximum]`; the gradient passes where the input is inside.
    public func clamped(min minimum: Float = -.infinity, max maximum: Float = .infinity) -> Tensor {
        Tensor.unary("clamp", self, { Swift.min(Swift.max($0, minimum), maximum) }) { ctx in
            let inside = Tensor(shape: self.shape, storage: ElementwiseKernels.map(self.storage) {
                $0 >= minimum && $0 <= maximum ? 1 : 0
            })
            return [ctx.gradient * inside]
        }
    }

    /// `max(x, 0)`.
    public func relu() -> Tensor {
        Tensor.vectorUnary("relu", self, { gk_relu($0, $1, $2) }) { ctx in
            [ctx.gradient * Tensor(shape: self.shape, storage: ElementwiseKernels.vectorMath(self.storage) {
                gk_positive_mask($0, $1, $2, 0)
            })]
        }
    }

    /// `x` for positive values, `negativeSlope * x` otherwise.
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        Tensor.vectorUnary("leakyRelu", self, { gk_leaky_relu($0, $1, $2, negativeSlope) }) { ctx in
            let slope = Tensor(shape: self.shape, storage: ElementwiseKernels.vectorMath(self.storage) {
                gk_positive_mask($0, $1, $2, negativeSlope)
            })
            return [ctx.gradient * slope]
        }
    }

    /// `x` for positive values, `alpha * (e^x - 1)` otherwise.
    public func elu(alpha: Float = 1) -> Tensor {
        Tensor.where(isGreater(than: 0), self, alpha * (clamped(max: 0).exp() - 1))
    }

    /// `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor {
        Tensor.vectorUnary("sigmoid", self, { gk_sigmoid($0, $1, $2) }, savesOutput: true) { ctx in
            let y = ctx.output!
            return [ctx.gradient * y * (1 - y)]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        Tensor.vectorUnary("tanh", self, { gk_tanh($0, $1, $2) }, savesOutput: true) { ctx in
            let y = ctx.output!
            return [ctx.gradient * (1 - y * y)]
        }
    }

    /// `log(1 + e^x)`, computed without overflow.
    public func softplus() -> Tensor {
        Tensor.unary("softplus", self, { Swift.max($0, 0) + log1pf(expf(-Swift.abs($0))) }) { ctx in
            [ctx.gradient * self.sigmoid()]
        }
    }

    /// `log(sigmoid(x))`, computed without overflow.
    public func logSigmoid() -> Tensor {
        -(-self).softplus()
    }
}


import GANTensor

/// The largest absolute difference between two tensors of equal shape, relative to the
/// largest magnitude in `expected`, or to `scale` when that is larger (pass the scale of
/// related tensors for one that is zero by construction). Shape mismatch gives infinity.
public func relativeError(_ actual: Tensor, _ expected: Tensor, scale floor: Float = 1e-12) -> Float {
    guard actual.shape == expected.shape else { return .infinity }
    let a = actual.scalars, e = expected.scalars
    var maxDiff: Float = 0, scale: Float = floor
    for i in 0..<a.count {
        let d = Swift.abs(a[i] - e[i])
        if !(d <= maxDiff) { maxDiff = d }  // NaN wins
        scale = Swift.max(scale, Swift.abs(e[i]))
    }
    return maxDiff / scale
}

/// The outcome of a finite-difference check.
public struct GradientCheck: CustomStringConvertible {
    /// The worst `|numeric - analytic| / max(1, |numeric|)` over the checked elements.
    public var worstError: Float = 0
    /// Where the worst error was: input index, element index, numeric and analytic values.
    public var worst: (input: Int, element: Int, numeric: Double, analytic: Float) = (0, 0, 0, 0)
    /// Elements compared.
    public var checked = 0

    public var description: String {
        "worst error \(worstError) at input \(worst.input)[\(worst.element)]: numeric \(worst.numeric), analytic \(worst.analytic) (\(checked) elements)"
    }
}

/// Compares the gradients autograd gives for `f` with central finite differences.
///
/// The scalar differentiated is `sum(f(inputs) * w)` for fixed random weights `w`, summed
/// in Double so that rounding in the sum does not swamp the difference quotient.
/// With `secondOrder`, the function checked is instead `sum_i <grad_i, v_i>` for random
/// `v_i`, computed with `createGraph: true` — a check of gradient-of-gradient.
public func checkGradients(
    _ inputs: [Tensor], epsilon: Float = 1e-3, maxElements: Int = 48, secondOrder: Bool = false,
    seed: UInt64 = 7, _ f: @escaping ([Tensor]) -> Tensor
) -> GradientCheck {
    var rng = RandomGenerator(seed: seed)
    let probe = f(inputs)
    let weights = Tensor.randomNormal(probe.shape, using: &rng)
    let directions = inputs.map { Tensor.randomNormal($0.shape, using: &rng) }

    // The scalar objective, recorded so it can be differentiated.
    func objective(_ xs: [Tensor]) -> Tensor {
        let first = (f(xs) * weights).sum()
        guard secondOrder else { return first }
        let grads = gradients(of: first, wrt: xs, createGraph: true)
        return zip(grads, directions).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
    }
    func value(_ xs: [Tensor]) -> Double {
        // Recompute the last reduction in Double for a precise finite difference.
        if secondOrder { return Double(objective(xs.map { $0.requiringGradient() }).item) }
        let y = withoutGradients { f(xs) }.scalars, w = weights.scalars
        var s = 0.0
        for i in 0..<y.count { s += Double(y[i]) * Double(w[i]) }
        return s
    }

    let leaves = inputs.map { $0.requiringGradient() }
    let total = objective(leaves)
    // A rule that cut the graph leaves nothing to differentiate: its analytic gradient is 0.
    let analytic = total.requiresGradient ? gradients(of: total, wrt: leaves) : inputs.map { Tensor.zeros($0.shape) }
    var result = GradientCheck()
    for (i, x) in inputs.enumerated() {
        let n = x.count
        let stride = Swift.max(1, n / maxElements)
        for e in Swift.stride(from: 0, to: n, by: stride) {
            var plus = x.scalars, minus = x.scalars
            plus[e] += epsilon
            minus[e] -= epsilon
            var xp = inputs, xm = inputs
            xp[i] = Tensor(plus, shape: x.shape)
            xm[i] = Tensor(minus, shape: x.shape)
            let numeric = (value(xp) - value(xm)) / Double(2 * epsilon)
            let a = analytic[i].scalars[e]
            let err = Float(Swift.abs(numeric - Double(a)) / Swift.max(1, Swift.abs(numeric)))
            result.checked += 1
            if !(err <= result.worstError) {
                result.worstError = err
                result.worst = (i, e, numeric, a)
            }
        }
    }
    return result
}

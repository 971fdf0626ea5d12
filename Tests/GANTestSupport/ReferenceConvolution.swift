import GANTensor

/// `conv2d` as a direct loop in Double: independent of im2col and GEMM, the reference the
/// convolution tests compare with. Shapes: `x` `[N, C, H, W]`, `weight` `[O, C / groups, K, K]`.
public func directConvolution(
    _ x: Tensor, _ weight: Tensor, stride s: Int, padding p: Int, dilation d: Int = 1, groups: Int = 1
) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, k) = (weight.shape[0], weight.shape[2])
    let oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1
    let xs = x.scalars, ws = weight.scalars
    let cg = c / groups, og = o / groups
    var out = [Float]()
    out.reserveCapacity(n * o * oh * ow)
    for b in 0..<n {
        for oc in 0..<o {
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = 0.0
                    for ic in 0..<cg {
                        let channel = (oc / og) * cg + ic
                        for u in 0..<k {
                            for v in 0..<k {
                                let ih = i * s - p + u * d, iw = j * s - p + v * d
                                guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                sum += Double(xs[((b * c + channel) * h + ih) * w + iw])
                                    * Double(ws[((oc * cg + ic) * k + u) * k + v])
                            }
                        }
                    }
                    out.append(Float(sum))
                }
            }
        }
    }
    return Tensor(out, shape: [n, o, oh, ow])
}

import GANLayers
import GANTensor

// The five Inception-v3 blocks as the 2015-12-05 TensorFlow graph has them (NVIDIA's port;
// pytorch-fid's FIDInceptionA/C/E_1/E_2). Each lists its branches under the TorchScript names;
// the forward concatenates the branches along channels in the graph's order.

/// The 35×35 block (`mixed`, `mixed_1`, `mixed_2`): 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; average
/// pool (`count_include_pad=False`) → 1×1.
///
/// Shapes: `[N, inputChannels, 35, 35]` → `[N, 224 + poolFeatures, 35, 35]`.
final class InceptionA: Module {
    let inputChannels: Int
    let poolFeatures: Int
    let conv: InceptionConv2d
    let tower: InceptionTower
    let tower1: InceptionTower
    let tower2: InceptionTower

    init(inputChannels: Int, poolFeatures: Int) {
        self.inputChannels = inputChannels
        self.poolFeatures = poolFeatures
        conv = InceptionConv2d(inputChannels, 64, kernelSize: 1)
        tower = InceptionTower([InceptionConv2d(inputChannels, 48, kernelSize: 1),
                                InceptionConv2d(48, 64, kernelSize: 5, padding: 2)])
        tower1 = InceptionTower([InceptionConv2d(inputChannels, 64, kernelSize: 1),
                                 InceptionConv2d(64, 96, kernelSize: 3, padding: 1),
                                 InceptionConv2d(96, 96, kernelSize: 3, padding: 1)])
        tower2 = InceptionTower(pool: .average3x3(), [InceptionConv2d(inputChannels, poolFeatures, kernelSize: 1)])
    }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.module("tower", tower)
        visitor.module("tower_1", tower1)
        visitor.module("tower_2", tower2)
    }

    override func structuralCopy() -> Module { InceptionA(inputChannels: inputChannels, poolFeatures: poolFeatures) }

    func callAsFunction(_ x: Tensor) -> Tensor {
        concatenated(x, channels: 224 + poolFeatures, [conv, tower, tower1, tower2])
    }
}

/// The 35 → 17 grid reduction (`mixed_3`): 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; max pool.
///
/// Shapes: `[N, 288, 35, 35]` → `[N, 768, 17, 17]`.
final class InceptionB: Module {
    let conv = InceptionConv2d(288, 384, kernelSize: 3, stride: 2)
    let tower = InceptionTower([InceptionConv2d(288, 64, kernelSize: 1),
                                InceptionConv2d(64, 96, kernelSize: 3, padding: 1),
                                InceptionConv2d(96, 96, kernelSize: 3, stride: 2)])
    let pool = InceptionPool.maximum3x3Stride2()

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.module("tower", tower)
        visitor.module("pool", pool)
    }

    override func structuralCopy() -> Module { InceptionB() }

    func callAsFunction(_ x: Tensor) -> Tensor {
        concatenated(x, channels: 768, stride: 2, [conv, tower, pool])
    }
}

/// The 17×17 block with factorised 7×7 convolutions (`mixed_4` … `mixed_7`): 1×1; 1×1 → 1×7 →
/// 7×1; 1×1 → 7×1 → 1×7 → 7×1 → 1×7; average pool → 1×1.
///
/// Shapes: `[N, 768, 17, 17]` → `[N, 768, 17, 17]`.
final class InceptionC: Module {
    /// The width of the 7×7 branches (128, 160, 160, 192).
    let channels7x7: Int
    let conv: InceptionConv2d
    let tower: InceptionTower
    let tower1: InceptionTower
    let tower2: InceptionTower

    init(channels7x7 c: Int) {
        channels7x7 = c
        let row = (1, 7), column = (7, 1), rowPadding = (0, 3), columnPadding = (3, 0)
        conv = InceptionConv2d(768, 192, kernelSize: 1)
        tower = InceptionTower([InceptionConv2d(768, c, kernelSize: 1),
                                InceptionConv2d(c, c, kernelSize: row, padding: rowPadding),
                                InceptionConv2d(c, 192, kernelSize: column, padding: columnPadding)])
        tower1 = InceptionTower([InceptionConv2d(768, c, kernelSize: 1),
                                 InceptionConv2d(c, c, kernelSize: column, padding: columnPadding),
                                 InceptionConv2d(c, c, kernelSize: row, padding: rowPadding),
                                 InceptionConv2d(c, c, kernelSize: column, padding: columnPadding),
                                 InceptionConv2d(c, 192, kernelSize: row, padding: rowPadding)])
        tower2 = InceptionTower(pool: .average3x3(), [InceptionConv2d(768, 192, kernelSize: 1)])
    }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.module("tower", tower)
        visitor.module("tower_1", tower1)
        visitor.module("tower_2", tower2)
    }

    override func structuralCopy() -> Module { InceptionC(channels7x7: channels7x7) }

    func callAsFunction(_ x: Tensor) -> Tensor {
        concatenated(x, channels: 768, [conv, tower, tower1, tower2])
    }
}

/// The 17 → 8 grid reduction (`mixed_8`): 1×1 → 3×3 stride 2; 1×1 → 1×7 → 7×1 → 3×3 stride 2;
/// max pool.
///
/// Shapes: `[N, 768, 17, 17]` → `[N, 1280, 8, 8]`.
final class InceptionD: Module {
    let tower = InceptionTower([InceptionConv2d(768, 192, kernelSize: 1),
                                InceptionConv2d(192, 320, kernelSize: 3, stride: 2)])
    let tower1 = InceptionTower([InceptionConv2d(768, 192, kernelSize: 1),
                                 InceptionConv2d(192, 192, kernelSize: (1, 7), padding: (0, 3)),
                                 InceptionConv2d(192, 192, kernelSize: (7, 1), padding: (3, 0)),
                                 InceptionConv2d(192, 192, kernelSize: 3, stride: 2)])
    let pool = InceptionPool.maximum3x3Stride2()

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("tower", tower)
        visitor.module("tower_1", tower1)
        visitor.module("pool", pool)
    }

    override func structuralCopy() -> Module { InceptionD() }

    func callAsFunction(_ x: Tensor) -> Tensor {
        concatenated(x, channels: 1280, stride: 2, [tower, tower1, pool])
    }
}

/// The 8×8 block with split 3×3 convolutions (`mixed_9`, `mixed_10`): 1×1; 1×1 → (1×3 ‖ 3×1);
/// 1×1 → 3×3 → (1×3 ‖ 3×1); pool → 1×1. The pool is an average (`count_include_pad=False`) in
/// `mixed_9` and a max in `mixed_10`, as in the TensorFlow graph (pytorch-fid's
/// FIDInceptionE_1 / FIDInceptionE_2).
///
/// Shapes: `[N, inputChannels, 8, 8]` → `[N, 2048, 8, 8]`.
final class InceptionE: Module {
    let inputChannels: Int
    let conv: InceptionConv2d
    let towerConv: InceptionConv2d
    let towerMixedConv: InceptionConv2d
    let towerMixedConv1: InceptionConv2d
    let tower1Conv: InceptionConv2d
    let tower1Conv1: InceptionConv2d
    let tower1MixedConv: InceptionConv2d
    let tower1MixedConv1: InceptionConv2d
    let tower2Pool: InceptionPool
    let tower2Conv: InceptionConv2d

    /// - Parameters:
    ///   - inputChannels: 1280 (`mixed_9`) or 2048 (`mixed_10`).
    ///   - maximumPool: Whether the pool branch takes the maximum (`mixed_10`).
    init(inputChannels: Int, maximumPool: Bool) {
        self.inputChannels = inputChannels
        conv = InceptionConv2d(inputChannels, 320, kernelSize: 1)
        towerConv = InceptionConv2d(inputChannels, 384, kernelSize: 1)
        towerMixedConv = InceptionConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        towerMixedConv1 = InceptionConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        tower1Conv = InceptionConv2d(inputChannels, 448, kernelSize: 1)
        tower1Conv1 = InceptionConv2d(448, 384, kernelSize: 3, padding: 1)
        tower1MixedConv = InceptionConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        tower1MixedConv1 = InceptionConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        tower2Pool = maximumPool ? InceptionPool(.maximum, kernelSize: 3, stride: 1, padding: 1) : .average3x3()
        tower2Conv = InceptionConv2d(inputChannels, 192, kernelSize: 1)
    }

    /// Whether the pool branch takes the maximum.
    var maximumPool: Bool { tower2Pool.kind == .maximum }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.module("tower_conv", towerConv)
        visitor.module("tower_mixed_conv", towerMixedConv)
        visitor.module("tower_mixed_conv_1", towerMixedConv1)
        visitor.module("tower_1_conv", tower1Conv)
        visitor.module("tower_1_conv_1", tower1Conv1)
        visitor.module("tower_1_mixed_conv", tower1MixedConv)
        visitor.module("tower_1_mixed_conv_1", tower1MixedConv1)
        visitor.module("tower_2_pool", tower2Pool)
        visitor.module("tower_2_conv", tower2Conv)
    }

    override func structuralCopy() -> Module { InceptionE(inputChannels: inputChannels, maximumPool: maximumPool) }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let a = towerConv(x)
        let b = tower1Conv1(tower1Conv(x))
        guard let y = inferenceConcatenation(of: x, channels: 2048) else {
            return Tensor.concatenate([conv(x), towerMixedConv(a), towerMixedConv1(a),
                                       tower1MixedConv(b), tower1MixedConv1(b), tower2Conv(pooled: x, by: tower2Pool)], axis: 1)
        }
        conv(x, into: y)
        towerMixedConv(a, into: y)
        towerMixedConv1(a, into: y)
        tower1MixedConv(b, into: y)
        tower1MixedConv1(b, into: y)
        y.append(tower2Conv(pooled: x, by: tower2Pool))
        return y.tensor()
    }
}

/// A block's branches applied to `x` and concatenated along channels in their order; without a
/// graph they write their slices of one output in place. `stride` 2: a grid reduction.
private func concatenated(_ x: Tensor, channels: Int, stride: Int = 1, _ branches: [InceptionBranch]) -> Tensor {
    guard let y = inferenceConcatenation(of: x, channels: channels, stride: stride) else {
        return Tensor.concatenate(branches.map { $0(x) }, axis: 1)
    }
    for branch in branches { branch(x, into: y) }
    return y.tensor()
}

/// The block output `[N, channels, OH, OW]` its branches write in place when no graph is
/// recorded through `x` (inference), or nil; a 3×3 window with `stride` (2: a grid reduction,
/// no padding) gives the size.
private func inferenceConcatenation(of x: Tensor, channels: Int, stride: Int = 1) -> ChannelConcatenation? {
    if Tensor.recordsGraph(for: [x]) { return nil }
    let (h, w) = stride == 1 ? (x.shape[2], x.shape[3]) : ((x.shape[2] - 3) / stride + 1, (x.shape[3] - 3) / stride + 1)
    return ChannelConcatenation(batch: x.shape[0], channels: channels, height: h, width: w)
}

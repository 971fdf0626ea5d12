import Foundation

/// Refuses an EMA decay outside [0, 1] (an edited config.json) with the reason, before
/// `ExponentialMovingAverage`'s initialiser would stop the process.
func checkEMADecay(_ decay: Float?) throws {
    if let decay, !(decay >= 0 && decay <= 1) {
        throw ModelError.invalidOption("the EMA decay must be in [0, 1], got \(decay)")
    }
}

/// G's moving average as ProGAN's and StyleGAN's official code set it: by a half-life in images
/// shown (`G_smoothing_kimg` = 10, 10,000 images), so the average forgets at the same pace at any
/// batch size — after a batch of `n` images, `β = 0.5^(n / halfLife)` (0.99557 at batch 64; the
/// paper's 0.999 was per step at batch 16). With `rampUp` (StyleGAN2-ADA's `ema_rampup`, 0.05 in
/// its configuration for small data sets) the half-life is at most that fraction of the images
/// shown before the batch, so a short run's average follows G instead of its first weights. A
/// fixed per-step decay (`--ema`, and config.json files written before the half-life) takes
/// precedence when set.
public struct EMASchedule: Equatable {
    public var fixedDecay: Float?
    public var halfLifeImages: Int?
    public var rampUp: Float?

    public init(fixedDecay: Float? = nil, halfLifeImages: Int? = nil, rampUp: Float? = nil) {
        (self.fixedDecay, self.halfLifeImages, self.rampUp) = (fixedDecay, halfLifeImages, rampUp)
    }

    /// Whether G has a moving average at all.
    public var isOn: Bool { fixedDecay != nil || halfLifeImages != nil }

    /// The decay of the update after a batch of `batch` images, `imagesShown` before it.
    public func decay(batch: Int, imagesShown: Int) -> Float {
        if let fixedDecay { return fixedDecay }
        var halfLife = Double(halfLifeImages ?? 1)
        if let rampUp { halfLife = min(halfLife, Double(rampUp) * Double(imagesShown)) }
        return halfLife > 0 ? Float(pow(0.5, Double(batch) / halfLife)) : 0
    }

    func check() throws {
        try checkEMADecay(fixedDecay)
        if let halfLifeImages, halfLifeImages <= 0 {
            throw ModelError.invalidOption("the EMA half-life must be a positive number of images, got \(halfLifeImages)")
        }
        if let rampUp, !(rampUp > 0) {
            throw ModelError.invalidOption("the EMA ramp-up must be a positive fraction, got \(rampUp)")
        }
    }

    var summary: String {
        fixedDecay.map { "decay \($0) per step" }
            ?? halfLifeImages.map { "half-life \($0) images" + (rampUp.map { ", at most \($0) × images shown" } ?? "") } ?? "off"
    }

    /// Applies `--ema DECAY` (a fixed decay) or `--ema-images N` (a half-life), not both.
    static func apply(_ options: FamilyOptionValues, fixedDecay: inout Float?, halfLifeImages: inout Int?,
                      rampUp: inout Float?) throws {
        let decay = try options.emaDecay()
        let images = try options.int("ema-images", "a positive number of images", { $0 > 0 })
        if decay != nil && images != nil {
            throw ModelError.invalidOption("--ema sets a fixed decay and --ema-images a half-life: give one")
        }
        if let decay { (fixedDecay, halfLifeImages, rampUp) = (decay, nil, nil) }
        if let images { (fixedDecay, halfLifeImages, rampUp) = (nil, images, rampUp ?? defaultRampUp) }
    }

    /// StyleGAN2-ADA's `ema_rampup` for small data sets.
    static let defaultRampUp: Float = 0.05

    /// The options of a family whose G has an average by default (a half-life of 10,000 images).
    static let options = [
        FamilyOption("ema", "DECAY", "a fixed per-step decay of G's moving average instead of the half-life"),
        FamilyOption("ema-images", "N", "half-life of G's moving average in images shown (default 10000, at most 5% of the images shown so far); samples use it"),
    ]

    /// The options of a family whose G has no average unless asked for.
    static let optionalOptions = [
        FamilyOption("ema", "DECAY", "keep a moving average of G's weights with this fixed per-step decay (e.g. 0.999); samples use it"),
        FamilyOption("ema-images", "N", "keep a moving average of G's weights with this half-life in images shown (e.g. 10000; at most 5% of the images shown so far); samples use it"),
    ]
}

import Foundation

/// A family of GANs (GAN, DCGAN, CycleGAN, …): a name, its presets, the options it takes and
/// its config type. The CLI and the trainer see families only through this protocol and
/// `Families.all`, so a new family is its folder plus one line in the registry.
public protocol Family {
    /// The name on the command line (`dcgan`, `wgan-gp`).
    static var name: String { get }
    /// One line for `gan list`.
    static var summary: String { get }
    /// The named presets, the first the default for image data.
    static var presets: [Preset] { get }
    /// The preset used when none is named: for toy points (`toy`) or for images.
    static func defaultPreset(forToyData: Bool) -> String
    /// The options of `gan train` that change this family's config.
    static var options: [FamilyOption] { get }
    /// Data specs a run takes: 1 (`--data`), or 2 (`--data` and `--data-b`).
    static var domainCount: Int { get }
    /// The batch size when none is given (`nil`: 64 for images, 256 for points).
    static var defaultBatchSize: Int? { get }
    /// The learning-rate schedule when none is given (`nil`: linear for points, none for images).
    static var defaultSchedule: LearningRateSchedule? { get }
    /// A config read back from a run folder's `config.json` (its `model` object).
    static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration
}

extension Family {
    public static var domainCount: Int { 1 }
    public static var defaultBatchSize: Int? { nil }
    public static var defaultSchedule: LearningRateSchedule? { nil }
}

/// A named configuration of a family.
public struct Preset {
    public let name: String
    public let summary: String
    public let make: () -> any ModelConfiguration

    public init(_ name: String, _ summary: String, _ make: @escaping () -> any ModelConfiguration) {
        self.name = name
        self.summary = summary
        self.make = make
    }
}

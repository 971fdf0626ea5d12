/// Why a metric could not be computed: features of the wrong shape, too few samples for the
/// statistic asked for, or a feature network whose weights are missing or do not fit.
///
/// The message names the file or input concerned and what was expected, the way
/// `GANData.DataError` does, so `gan eval` can print it as it is.
public struct MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, feature set or argument concerned (`features`, `inception.safetensors`).
    public let subject: String
    /// What was expected and what was found.
    public let reason: String

    public init(_ subject: String, _ reason: String) {
        self.subject = subject
        self.reason = reason
    }

    public var description: String { "\(subject): \(reason)" }
}

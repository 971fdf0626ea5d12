/// Refuses an EMA decay outside [0, 1] (an edited config.json) with the reason, before
/// `ExponentialMovingAverage`'s initialiser would stop the process.
func checkEMADecay(_ decay: Float?) throws {
    if let decay, !(decay >= 0 && decay <= 1) {
        throw ModelError.invalidOption("the EMA decay must be in [0, 1], got \(decay)")
    }
}

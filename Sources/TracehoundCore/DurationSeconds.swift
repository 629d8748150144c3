// Durations from the config meet Foundation's dates and deadlines as seconds.

extension Duration {
    /// The duration in seconds, as a Double (for `Date.addingTimeInterval` and comparisons with intervals).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Whether operations record themselves on the tape for `backward()`.
///
/// Recording is on by default; evaluation and generation switch it off so that no backward
/// closures or gradient buffers are kept.
public enum GradientMode {
    @TaskLocal static var isRecording = true

    /// True while operations are recorded for backpropagation.
    public static var isEnabled: Bool { isRecording }

    /// Runs `body` without recording operations; tensors it creates need no gradient.
    public static func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isRecording.withValue(false, operation: body)
    }
}

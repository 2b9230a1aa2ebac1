import Foundation

/// Wall time per kernel kind on the calling thread, for `auxsweep bench --breakdown`.
///
/// Layers open a span around their work (`begin(_:)` ... `end()`). Off (the default, and always in sweeps)
/// that is one thread-local lookup per call. On, times are exclusive: a kernel nested in another (a
/// layout reorder inside a convolution) is charged to itself only, so the kinds add up to the time
/// spent inside layers.
public enum KernelProfiler {
    /// What a span of time was spent on: a layer and its pass.
    public enum Kernel: Int, CaseIterable, Sendable {
        case convolutionForward, convolutionBackwardData, convolutionBackwardWeights, layoutReorder
        case batchNormForward, batchNormBackward, reluForward, reluBackward, elementwiseAdd
        case poolForward, poolBackward, upsampleForward, upsampleBackward, concatForward, concatBackward
        case dropoutForward, dropoutBackward, crossEntropyForward, crossEntropyBackward, optimizer

        /// A short label for tables.
        public var label: String {
            switch self {
            case .convolutionForward: "conv forward"
            case .convolutionBackwardData: "conv backward-data"
            case .convolutionBackwardWeights: "conv backward-weights"
            case .layoutReorder: "conv layout reorders"
            case .batchNormForward: "batch norm forward"
            case .batchNormBackward: "batch norm backward"
            case .reluForward: "ReLU forward"
            case .reluBackward: "ReLU backward"
            case .elementwiseAdd: "residual and gradient sums"
            case .poolForward: "adaptive pool forward"
            case .poolBackward: "adaptive pool backward"
            case .upsampleForward: "bilinear upsample forward"
            case .upsampleBackward: "bilinear upsample backward"
            case .concatForward: "channel concat forward"
            case .concatBackward: "channel concat backward"
            case .dropoutForward: "dropout forward"
            case .dropoutBackward: "dropout backward"
            case .crossEntropyForward: "cross-entropy forward"
            case .crossEntropyBackward: "cross-entropy backward"
            case .optimizer: "SGD step and zero-grad"
            }
        }
    }

    /// Seconds per kernel kind, indexed by `Kernel.rawValue`.
    public struct Times: Sendable {
        public var seconds = [Double](repeating: 0, count: Kernel.allCases.count)
        public subscript(kernel: Kernel) -> Double { seconds[kernel.rawValue] }
        public var total: Double { seconds.reduce(0, +) }
    }

    /// Runs `body` with profiling on for the calling thread and returns the time per kernel kind.
    public static func record(_ body: () -> Void) -> Times {
        let session = Session()
        slot.session = session
        defer { slot.session = nil }
        body()
        return session.times
    }

    /// Starts charging time to `kernel` (when profiling is on) until the span's `end()`:
    /// `let span = KernelProfiler.begin(.reluForward); defer { span.end() }`.
    @inline(__always)
    public static func begin(_ kernel: Kernel) -> Span {
        let session = slot.session
        session?.enter(kernel)
        return Span(session: session)
    }

    /// An open kernel span; `end()` closes it.
    public struct Span {
        fileprivate let session: Session?
        @inline(__always)
        public func end() { session?.exit() }
    }

    /// The open kernels of one profiled thread and the time charged so far.
    final class Session {
        var times = Times()
        private var stack: [Kernel] = []
        private var mark = DispatchTime.now().uptimeNanoseconds

        /// Charges the time since the last mark to the innermost open kernel.
        private func charge() {
            let now = DispatchTime.now().uptimeNanoseconds
            if let open = stack.last { times.seconds[open.rawValue] += Double(now - mark) / 1e9 }
            mark = now
        }

        func enter(_ kernel: Kernel) { charge(); stack.append(kernel) }
        func exit() { charge(); stack.removeLast() }
    }

    /// The calling thread's session, in thread-specific storage.
    private final class Slot: @unchecked Sendable {
        private var key = pthread_key_t()
        init() { pthread_key_create(&key, nil) }

        var session: Session? {
            get { pthread_getspecific(key).map { Unmanaged<Session>.fromOpaque($0).takeUnretainedValue() } }
            set {
                if let old = pthread_getspecific(key) { Unmanaged<Session>.fromOpaque(old).release() }
                pthread_setspecific(key, newValue.map { Unmanaged.passRetained($0).toOpaque() })
            }
        }
    }
    private static let slot = Slot()
}

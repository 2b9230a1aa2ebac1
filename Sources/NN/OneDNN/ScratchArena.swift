import CDNNL
import Foundation

/// Per-thread scratch buffers for the activations a convolution holds in oneDNN's layout only while
/// it runs (dy reordered for backward, outputs before their reorder back): every convolution on a
/// thread shares them, so a job's memory holds three such buffers instead of several per
/// convolution. (The forward's reordered input is owned by each plan: backward-weights reuses it.)
final class ScratchArena {
    /// What each slot holds is the user's convention (see `ConvolutionPlan`).
    static let slotCount = 3
    private var buffers: [UnsafeMutableRawPointer?] = Array(repeating: nil, count: slotCount)
    private var sizes = [Int](repeating: 0, count: slotCount)

    /// A buffer of at least `bytes` bytes for `slot`, valid until the next call for the same slot.
    func buffer(_ slot: Int, bytes: Int) -> UnsafeMutableRawPointer {
        if sizes[slot] < bytes || buffers[slot] == nil {
            buffers[slot]?.deallocate()
            // Grow by a quarter more than asked, so a few sizes in turn do not reallocate every time.
            let size = max(bytes, sizes[slot] + sizes[slot] / 4)
            buffers[slot] = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            sizes[slot] = size
        }
        guard let buffer = buffers[slot] else { preconditionFailure("scratch allocation failed") }
        return buffer
    }

    deinit { buffers.forEach { $0?.deallocate() } }

    /// The calling thread's arena.
    static var current: ScratchArena {
        if let existing = pthread_getspecific(key.value) {
            return Unmanaged<ScratchArena>.fromOpaque(existing).takeUnretainedValue()
        }
        let arena = ScratchArena()
        pthread_setspecific(key.value, Unmanaged.passRetained(arena).toOpaque())
        return arena
    }

    private final class Key: @unchecked Sendable {
        var value = pthread_key_t()
        init() {
            pthread_key_create(&value) { pointer in
                if let pointer { Unmanaged<ScratchArena>.fromOpaque(pointer).release() }
            }
        }
    }
    private static let key = Key()
}

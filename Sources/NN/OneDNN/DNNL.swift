import CDNNL

/// Small owning wrappers around oneDNN's C objects: the CPU engine, memory descriptors and memories,
/// primitives and reorders.
enum DNNL {
    /// Stops with a message when a oneDNN call fails: every call here is made with shapes the layer
    /// has already checked, so a failure is a programming error.
    @inline(__always)
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN \(what()) failed with status \(status.rawValue)")
    }

    /// The process-wide CPU engine (engines are thread-safe; streams are per plan).
    static let engine = Engine()

    final class Engine: @unchecked Sendable {
        let handle: dnnl_engine_t
        init() {
            var e: dnnl_engine_t?
            check(dnnl_engine_create(&e, dnnl_cpu, 0), "engine creation")
            guard let e else { preconditionFailure("oneDNN returned no engine") }
            handle = e
        }
    }

    /// Calls `body` with a pointer to `value`, or with nil when there is none.
    static func withOptionalPointer<T, R>(to value: T?, _ body: (UnsafePointer<T>?) -> R) -> R {
        guard var v = value else { return body(nil) }
        return withUnsafePointer(to: &v) { body($0) }
    }

    /// A float32 memory descriptor of the given dims and format tag (`dnnl_format_tag_any` lets a
    /// primitive choose).
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map(Int64.init)
        check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory descriptor \(dims)")
        return md
    }

    /// A oneDNN memory: either allocated by oneDNN (the primitive's own layout) or a view whose data
    /// handle is pointed at a tensor's buffer for each call.
    final class Memory {
        let handle: dnnl_memory_t
        var descriptor: dnnl_memory_desc_t

        init(_ descriptor: dnnl_memory_desc_t, allocate: Bool) {
            self.descriptor = descriptor
            var m: dnnl_memory_t?
            check(dnnl_memory_create(&m, &self.descriptor, DNNL.engine.handle, allocate ? auxsweep_memory_allocate() : nil),
                  "memory creation")
            guard let m else { preconditionFailure("oneDNN returned no memory") }
            handle = m
        }

        /// The buffer the memory currently uses.
        var pointer: UnsafeMutableRawPointer {
            var handle: UnsafeMutableRawPointer?
            check(dnnl_memory_get_data_handle(self.handle, &handle), "get data handle")
            guard let handle else { preconditionFailure("oneDNN memory has no buffer") }
            return handle
        }

        /// The size of the memory's buffer in bytes.
        var byteCount: Int { withUnsafePointer(to: descriptor) { dnnl_memory_desc_get_size($0) } }

        /// Points a view at `pointer` (the caller keeps the buffer alive while the primitive runs).
        func point(at pointer: UnsafeRawPointer) {
            check(dnnl_memory_set_data_handle(handle, UnsafeMutableRawPointer(mutating: pointer)), "set data handle")
        }

        deinit { dnnl_memory_destroy(handle) }
    }

    /// A primitive created from a primitive descriptor, run on a stream with keyed arguments.
    final class Primitive {
        let handle: dnnl_primitive_t

        init(_ descriptor: const_dnnl_primitive_desc_t) {
            var p: dnnl_primitive_t?
            check(dnnl_primitive_create(&p, descriptor), "primitive creation")
            guard let p else { preconditionFailure("oneDNN returned no primitive") }
            handle = p
        }

        /// A reorder from one layout to another.
        convenience init(reorderFrom from: dnnl_memory_desc_t, to: dnnl_memory_desc_t) {
            var pd: dnnl_primitive_desc_t?
            var (a, b) = (from, to)
            check(dnnl_reorder_primitive_desc_create(&pd, &a, DNNL.engine.handle, &b, DNNL.engine.handle, nil), "reorder descriptor")
            guard let pd else { preconditionFailure("oneDNN returned no reorder descriptor") }
            defer { dnnl_primitive_desc_destroy(pd) }
            self.init(pd)
        }

        func execute(on stream: Stream, _ arguments: [(Int32, Memory)]) {
            let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
            check(dnnl_primitive_execute(handle, stream.handle, Int32(args.count), args), "primitive execution")
        }

        deinit { dnnl_primitive_destroy(handle) }
    }

    /// A convolution's strides, dilations and paddings as oneDNN's descriptor functions take them.
    struct ConvolutionWindow {
        let strides, dilates, padLeft, padRight: [Int64]

        init(_ g: ConvGeometry, input: [Int]) {
            let output = g.outputShape(input: input)
            strides = [Int64(g.stride), Int64(g.stride)]
            dilates = [Int64(g.dilation - 1), Int64(g.dilation - 1)]   // oneDNN: 0 means no dilation
            padLeft = [Int64(g.padding), Int64(g.padding)]
            // Right padding so that the last window fits exactly as PyTorch's output size implies.
            padRight = (2...3).map { axis -> Int64 in
                Int64((output[axis] - 1) * g.stride + g.dilation * (g.kernelSize - 1) + 1 - input[axis] - g.padding)
            }
        }
    }

    /// oneDNN's format tag for an activation tensor in `layout`.
    static func formatTag(_ layout: Tensor.Layout) -> dnnl_format_tag_t {
        switch layout {
        case .nchw: dnnl_nchw
        case .blocked16: dnnl_nChw16c
        case .blocked8: dnnl_nChw8c
        }
    }

    /// Whether two memory descriptors describe the same layout.
    static func same(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var (x, y) = (a, b)
        return dnnl_memory_desc_equal(&x, &y) != 0
    }

    /// The name of the implementation oneDNN chose for a primitive descriptor (e.g. "jit:avx512_core").
    static func implementation(_ pd: const_dnnl_primitive_desc_t) -> String {
        var info: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) == dnnl_success, let info else { return "?" }
        return String(cString: info)
    }

    /// An in-order CPU stream (one per convolution plan: streams are not shared between threads).
    final class Stream {
        let handle: dnnl_stream_t
        init() {
            var s: dnnl_stream_t?
            check(dnnl_stream_create(&s, DNNL.engine.handle, dnnl_stream_default_flags.rawValue), "stream creation")
            guard let s else { preconditionFailure("oneDNN returned no stream") }
            handle = s
        }
        func wait() { check(dnnl_stream_wait(handle), "stream wait") }
        deinit { dnnl_stream_destroy(handle) }
    }

    /// One tensor argument of a primitive: a view of the caller's buffer (NCHW, nChw16c or OIHW) and,
    /// when the primitive prefers another layout, its own memory and the reorder between the two.
    final class Operand {
        let user: Memory
        let inner: Memory?
        let reorder: Primitive?
        /// What the primitive reads or writes.
        var memory: Memory { inner ?? user }

        /// The scratch slot the inner memory borrows, or nil when it owns its buffer.
        let slot: Int?

        /// - Parameters:
        ///   - toInner: true for an input (user -> inner), false for an output (inner -> user).
        ///   - slot: borrow the inner buffer from the thread's `ScratchArena` slot (activations);
        ///     nil to own it (weights).
        init(plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, toInner: Bool, slot: Int?) {
            user = Memory(plain, allocate: false)
            var (p, c) = (plain, chosen)
            if dnnl_memory_desc_equal(&p, &c) != 0 {
                inner = nil
                reorder = nil
                self.slot = nil
            } else {
                inner = Memory(chosen, allocate: slot == nil)
                reorder = toInner ? Primitive(reorderFrom: plain, to: chosen) : Primitive(reorderFrom: chosen, to: plain)
                self.slot = slot
            }
        }

        /// Points a borrowed inner memory at its scratch slot (call before each use).
        func attachScratch() {
            guard let slot, let inner else { return }
            var descriptor = inner.descriptor
            inner.point(at: ScratchArena.current.buffer(slot, bytes: dnnl_memory_desc_get_size(&descriptor)))
        }

        /// Points at an input buffer and brings it into the primitive's layout.
        func load(_ pointer: UnsafeRawPointer, on stream: Stream) {
            user.point(at: pointer)
            attachScratch()
            if let reorder, let inner {
                let span = KernelProfiler.begin(.layoutReorder); defer { span.end() }
                reorder.execute(on: stream, [(AUXSWEEP_ARG_FROM, user), (AUXSWEEP_ARG_TO, inner)])
            }
        }

        /// Points at an output buffer (call `store` after the primitive ran).
        func target(_ pointer: UnsafeMutableRawPointer) {
            user.point(at: pointer)
            attachScratch()
        }

        /// Brings the primitive's output into the caller's buffer.
        func store(on stream: Stream) {
            if let reorder, let inner {
                let span = KernelProfiler.begin(.layoutReorder); defer { span.end() }
                reorder.execute(on: stream, [(AUXSWEEP_ARG_FROM, inner), (AUXSWEEP_ARG_TO, user)])
            }
        }
    }
}

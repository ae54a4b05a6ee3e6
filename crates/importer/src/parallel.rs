//! Minimal parallel work over a slice, with scoped standard threads.
//!
//! Converting is per transaction and independent, so large inputs are split
//! into one chunk per CPU. Small inputs stay on the calling thread: starting
//! threads would cost more than it saves.

/// Below this many items, work stays on the calling thread.
const MIN_PARALLEL: usize = 4096;

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// `f` applied to consecutive parts of `items`: one part per CPU for large
/// inputs, else the whole slice. Results in order.
pub(crate) fn chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads < 2 || items.len() < MIN_PARALLEL {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(threads);
    let f = &f;
    // The first part on the calling thread, which would otherwise only
    // wait: one thread fewer to start.
    let mut parts = items.chunks(size);
    let first = parts.next().expect("more than MIN_PARALLEL items");
    std::thread::scope(|s| {
        let handles: Vec<_> = parts.map(|part| s.spawn(move || f(part))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(f(first));
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parts_keep_order_small_and_large() {
        for n in [0, 10, 10_000] {
            let v: Vec<usize> = (0..n).collect();
            let parts = super::chunks(&v, |p| p.iter().map(|x| x * 2).collect::<Vec<_>>());
            let flat: Vec<usize> = parts.into_iter().flatten().collect();
            assert_eq!(flat, v.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
    }
}

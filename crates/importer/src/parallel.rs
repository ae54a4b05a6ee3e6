//! A minimal parallel map over a slice, with scoped standard threads.
//!
//! Converting is per transaction and independent, so large inputs are split
//! into one chunk per CPU. Small inputs stay on the calling thread: starting
//! threads would cost more than it saves.

/// Below this many items, work stays on the calling thread.
const MIN_PARALLEL: usize = 4096;

/// `items.iter().map(f).collect()`, on several threads for large inputs.
/// The result is in the order of `items`, whatever the thread count.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads < 2 || items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    // Each thread writes its part of one output: no concatenation copy.
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let size = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        for (src, dst) in items.chunks(size).zip(out.chunks_mut(size)) {
            s.spawn(move || {
                for (x, slot) in src.iter().zip(dst) {
                    *slot = Some(f(x));
                }
            });
        }
    });
    // Usually in place: `Option<R>` has the layout of `R` when R has a niche.
    out.into_iter()
        .map(|r| r.expect("every slot is written"))
        .collect()
}

/// Drops `v`, freeing large inputs on several threads: freeing a hundred
/// thousand transactions' strings is otherwise serial work.
pub(crate) fn drop_all<T: Send>(mut v: Vec<T>) {
    let threads = threads();
    if threads < 2 || v.len() < MIN_PARALLEL {
        return;
    }
    let size = v.len().div_ceil(threads);
    std::thread::scope(|s| {
        while v.len() > size {
            let part = v.split_off(v.len() - size);
            s.spawn(move || drop(part));
        }
        drop(v);
    });
}

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
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|part| s.spawn(move || f(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_small_and_large() {
        for n in [0, 10, 10_000] {
            let v: Vec<usize> = (0..n).collect();
            assert_eq!(
                super::map(&v, |x| x * 2),
                v.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
    }
}

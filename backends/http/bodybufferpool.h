// Buffers the HTTP engine maps itself for big response bodies (list pages), reused from one
// response to the next and unmapped when idle.
//
// Why not malloc: a list page of a few MB freed into glibc's per-thread arenas stays resident
// after the list (an arena's top shrinks only past a trim threshold glibc raises to twice the
// biggest block it unmapped, and malloc_trim does not shrink it), 13 MB of slack at 10,000 pods;
// mapping each body afresh instead faults in every page of it again (14-22 µs per 4 KB page on
// the machine of docs/benchmarks.md). Here consecutive pages reuse a buffer that is already
// resident, in transparent huge pages where the system allows them, and a buffer nobody holds is
// given back to the system at once by release().
//
// A buffer is handed out as a QByteArray whose shared header lives at the start of the mapping.
// The pool keeps a reference of its own, so the count never falls to zero in the receivers'
// hands (Qt would free() the header): a buffer is free again when the count is back to one,
// and every change a receiver makes to such an array detaches it into a copy of its own.
// Thread-safe.
#pragma once

#include <QByteArray>

#include <chrono>
#include <mutex>
#include <vector>

namespace pilothouse::backends::http {

class BodyBufferPool {
public:
    // Bodies announced at this length or more are received into the pool's buffers.
    static constexpr qsizetype kMinBody = 1024 * 1024;

    struct Buffer;

    BodyBufferPool() = default;
    BodyBufferPool(const BodyBufferPool &) = delete;
    BodyBufferPool &operator=(const BodyBufferPool &) = delete;
    // Unmaps the free buffers; one a response still holds stays mapped (and is lost) so that its
    // holder can read it to the end.
    ~BodyBufferPool();

    // A buffer with room for `bytes`, the smallest free one that fits or a new mapping; the
    // caller's until deliver() or giveBack(). Null when no memory could be mapped.
    Buffer *claim(qsizetype bytes);
    static char *data(const Buffer *b);
    static qsizetype capacity(const Buffer *b);
    // The first `size` bytes as an array sharing the buffer (null-terminated, the rest of the
    // capacity readable behind it), ending the claim.
    QByteArray deliver(Buffer *b, qsizetype size);
    // Ends a claim without handing the buffer out.
    void giveBack(Buffer *b);

    // Unmaps the free buffers that no claim took for `idleFor` (all of them with the default).
    void release(std::chrono::milliseconds idleFor = std::chrono::milliseconds(0));

    // Mapped buffers and their bytes, free or not (for tests and diagnostics).
    int buffers() const;
    qint64 mappedBytes() const;

private:
    bool isFree(const Buffer &b) const;
    void unmap(Buffer *b);

    mutable std::mutex m_mutex;
    std::vector<Buffer *> m_buffers;
};

}  // namespace pilothouse::backends::http

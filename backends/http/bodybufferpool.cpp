// Big response bodies in buffers the engine maps, reuses and unmaps itself.
#include "http/bodybufferpool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <type_traits>

namespace pilothouse::backends::http {

using Clock = std::chrono::steady_clock;
// The header QByteArray's data starts with (QByteArray::Data, private to QByteArray).
using ArrayData = QTypedArrayData<char>;
static_assert(std::is_same_v<QByteArray::DataPointer, QArrayDataPointer<char>>);

struct BodyBufferPool::Buffer {
    char *map = nullptr;
    size_t mapSize = 0;
    ArrayData *header = nullptr;  // at the start of the mapping, as QByteArray's own allocation would be
    char *data = nullptr;
    qsizetype capacity = 0;
    bool claimed = false;
    Clock::time_point lastClaim;
};

namespace {

// Buffers are whole transparent huge pages: a 4 MB page body faults in as two of them instead of a
// thousand 4 KB pages.
constexpr size_t kHugePage = 2 * 1024 * 1024;

size_t roundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

BodyBufferPool::~BodyBufferPool()
{
    for (Buffer *b : m_buffers) {
        if (isFree(*b))
            unmap(b);
        else
            delete b;  // its mapping stays: a response still refers to it
    }
}

bool BodyBufferPool::isFree(const Buffer &b) const
{
    // Acquire: what the last holder read of the buffer happened before it is written again.
    return !b.claimed && b.header->ref_.loadAcquire() == 1;
}

void BodyBufferPool::unmap(Buffer *b)
{
    ::munmap(b->map, b->mapSize);
    delete b;
}

BodyBufferPool::Buffer *BodyBufferPool::claim(qsizetype bytes)
{
    std::lock_guard lock(m_mutex);
    Buffer *best = nullptr;
    for (Buffer *b : m_buffers)
        if (b->capacity >= bytes && isFree(*b) && (!best || b->capacity < best->capacity))
            best = b;
    if (!best) {
        constexpr qsizetype kHeader = sizeof(ArrayData) + alignof(ArrayData::AlignmentDummy);
        const size_t size = roundUp(static_cast<size_t>(bytes + kHeader), kHugePage);
        // Mapped a huge page larger, so that the buffer can start on a huge page boundary.
        void *raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return nullptr;
        char *start = reinterpret_cast<char *>(roundUp(reinterpret_cast<uintptr_t>(raw), kHugePage));
        if (start > raw)
            ::munmap(raw, static_cast<size_t>(start - static_cast<char *>(raw)));
        if (char *end = start + size, *rawEnd = static_cast<char *>(raw) + size + kHugePage; rawEnd > end)
            ::munmap(end, static_cast<size_t>(rawEnd - end));
#ifdef MADV_HUGEPAGE
        ::madvise(start, size, MADV_HUGEPAGE);  // a hint: without huge pages it works the same, slower
#endif
        best = new Buffer;
        best->map = start;
        best->mapSize = size;
        best->header = new (start) ArrayData;
        best->header->ref_.storeRelaxed(1);  // the pool's own reference
        best->header->flags = {};
        best->data = ArrayData::dataStart(best->header, alignof(ArrayData::AlignmentDummy));
        best->capacity = static_cast<qsizetype>(start + size - best->data);
        best->header->alloc = best->capacity;
        m_buffers.push_back(best);
    }
    best->claimed = true;
    best->lastClaim = Clock::now();
    return best;
}

char *BodyBufferPool::data(const Buffer *b) { return b->data; }

qsizetype BodyBufferPool::capacity(const Buffer *b) { return b->capacity; }

QByteArray BodyBufferPool::deliver(Buffer *b, qsizetype size)
{
    std::lock_guard lock(m_mutex);
    b->data[size] = '\0';
    b->header->ref();
    b->claimed = false;
    return QByteArray(QByteArray::DataPointer(b->header, b->data, size));
}

void BodyBufferPool::giveBack(Buffer *b)
{
    std::lock_guard lock(m_mutex);
    b->claimed = false;
}

void BodyBufferPool::release(std::chrono::milliseconds idleFor)
{
    std::lock_guard lock(m_mutex);
    const auto now = Clock::now();
    auto keep = std::partition(m_buffers.begin(), m_buffers.end(),
                               [&](Buffer *b) { return !isFree(*b) || now - b->lastClaim < idleFor; });
    for (auto it = keep; it != m_buffers.end(); ++it)
        unmap(*it);
    m_buffers.erase(keep, m_buffers.end());
}

int BodyBufferPool::buffers() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_buffers.size());
}

qint64 BodyBufferPool::mappedBytes() const
{
    std::lock_guard lock(m_mutex);
    qint64 bytes = 0;
    for (const Buffer *b : m_buffers)
        bytes += static_cast<qint64>(b->mapSize);
    return bytes;
}

}  // namespace pilothouse::backends::http

#include "core/storage/sqlite/address_filter.hpp"

#include "core/storage/prepared_event.hpp"

#include <algorithm>

namespace mailgate::core::storage::sqlite {
namespace {

// Ten bits an address, five of them in one word (one memory access an address): about 2% false
// "maybe".
constexpr std::size_t bits_per_address = 10;
constexpr int probes = 5;

std::size_t words_for(std::size_t addresses)
{
    std::size_t words = 1;
    while (words * 64 < addresses * bits_per_address) {
        words *= 2;
    }
    return words;
}

// The hash is part of a SHA-256 digest already: its high half picks the word and five six-bit
// parts of its low half the bits.
uint64_t mask_of(uint64_t h) noexcept
{
    uint64_t mask = 0;
    for (int i = 0; i < probes; ++i) {
        mask |= uint64_t{1} << ((h >> (6 * i)) & 63);
    }
    return mask;
}

} // namespace

void address_filter::read(connection& db, std::string_view count_sql, std::string_view list_sql,
                          column what)
{
    auto count = db.prepare(count_sql);
    count.step();
    capacity_ = std::max(least_, static_cast<std::size_t>(count.integer(0)) * 2);
    words_.assign(words_for(capacity_), 0);
    added_ = 0;
    auto q = db.prepare(list_sql);
    while (q.step()) {
        if (what == column::email) {
            add(email_hash(q.text(0)));
        } else {
            add_hashes(q.text(0));
        }
    }
}

void address_filter::add_hashes(std::string_view blob) noexcept
{
    for (std::size_t at = 0; at + 8 <= blob.size(); at += 8) {
        uint64_t h = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            h |= uint64_t{static_cast<unsigned char>(blob[at + i])} << (8 * i);
        }
        add(static_cast<int64_t>(h));
    }
}

bool address_filter::may_hold(int64_t hash) const noexcept
{
    const auto h = static_cast<uint64_t>(hash);
    const auto mask = mask_of(h);
    return (words_[(h >> 32) & (words_.size() - 1)] & mask) == mask;
}

void address_filter::add(int64_t hash) noexcept
{
    const auto h = static_cast<uint64_t>(hash);
    words_[(h >> 32) & (words_.size() - 1)] |= mask_of(h);
    ++added_;
}

std::string hashes_blob(const std::vector<int64_t>& hashes)
{
    std::string out;
    out.reserve(hashes.size() * 8);
    for (const auto hash : hashes) {
        for (std::size_t i = 0; i < 8; ++i) {
            out += static_cast<char>((static_cast<uint64_t>(hash) >> (8 * i)) & 0xff);
        }
    }
    return out;
}

} // namespace mailgate::core::storage::sqlite

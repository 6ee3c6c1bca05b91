// Messages classified per second on one thread: every file of a folder, held in memory, read
// over and over for a given time. scripts/bench/run_bounce_classifier.sh runs it on one core.
//
//   bounce_bench EML_DIR [SECONDS]

#include "core/bounces/bounce_classifier.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bounce_bench EML_DIR [SECONDS]\n");
        return 2;
    }
    const double seconds = argc > 2 ? std::atof(argv[2]) : 10.0;
    std::vector<std::string> messages;
    for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
        std::ifstream in(entry.path(), std::ios::binary);
        messages.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (messages.empty()) {
        std::fprintf(stderr, "bounce_bench: no files in %s\n", argv[1]);
        return 1;
    }
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    std::size_t done = 0;
    std::size_t records = 0;
    while (clock::now() < until) {
        for (const auto& m : messages) {
            records += mailgate::core::bounces::classify_message(m).records.size();
        }
        done += messages.size();
    }
    const std::chrono::duration<double> took = clock::now() - start;
    std::printf("%zu messages (%zu files) in %.2f s: %.0f messages/s (%zu records)\n", done,
                messages.size(), took.count(), done / took.count(), records);
    return 0;
}

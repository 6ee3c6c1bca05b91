#include "core/storage/sqlite/transaction.hpp"

#include "core/log/log.hpp"

#include <exception>

namespace mailgate::core::storage::sqlite {

transaction::transaction(connection& db) : db_(db)
{
    db_.prepare("BEGIN IMMEDIATE").run();
}

transaction::~transaction()
{
    if (committed_ || !db_.in_transaction()) {
        return;
    }
    try {
        db_.prepare("ROLLBACK").run();
    } catch (const std::exception& e) {
        log::get("storage")->error("rollback failed: {}", e.what());
    }
}

void transaction::commit()
{
    db_.prepare("COMMIT").run();
    committed_ = true;
}

} // namespace mailgate::core::storage::sqlite

// The metadata schema: every migration, in order. A migration is never edited once released;
// changes are new migrations appended at the end.
#ifndef CLEANROOM_STORE_SCHEMA_H_
#define CLEANROOM_STORE_SCHEMA_H_

#include <string>
#include <vector>

namespace cleanroom::store {

const std::vector<std::string>& SchemaMigrations();

}  // namespace cleanroom::store

#endif  // CLEANROOM_STORE_SCHEMA_H_

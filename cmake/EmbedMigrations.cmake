# Turns NNN_name.sql files into a C++ table so the binary carries its own schema (db/ stays the
# source of truth; nothing has to be installed next to the executable). Called once per backend:
# MIGRATIONS_DIR (db/ or db/postgresql/), FUNCTION (the C++ function returning the table), OUTPUT.
file(GLOB files "${MIGRATIONS_DIR}/[0-9]*.sql")
list(SORT files)
set(out "// Generated from ${MIGRATIONS_DIR} by cmake/EmbedMigrations.cmake. Do not edit.\n")
string(APPEND out "#include \"ledger/Migrations.h\"\nnamespace evalbridge {\nconst std::vector<Migration>& ${FUNCTION}() {\n  static const std::vector<Migration> all = {\n")
foreach(f ${files})
  get_filename_component(name "${f}" NAME)
  string(REGEX MATCH "^[0-9]+" number "${name}")
  math(EXPR version "${number}")
  file(READ "${f}" sql)
  string(APPEND out "    {${version}, \"${name}\", R\"evalbridge_sql(${sql})evalbridge_sql\"},\n")
endforeach()
string(APPEND out "  };\n  return all;\n}\n}  // namespace evalbridge\n")
file(WRITE "${OUTPUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")

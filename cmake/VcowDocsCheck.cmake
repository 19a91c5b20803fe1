# cmake -DDOXYGEN=<doxygen> -DDIR=<dir holding a configured Doxyfile> -P VcowDocsCheck.cmake
# The docs target and the docs.reference test: generate the API reference
# from scratch and fail on any doxygen warning (the Doxyfile sends them to
# warnings.log and makes doxygen exit non-zero), or when the HTML or man
# pages are missing.
file(REMOVE_RECURSE "${DIR}/html" "${DIR}/man" "${DIR}/warnings.log")
execute_process(COMMAND "${DOXYGEN}" Doxyfile WORKING_DIRECTORY "${DIR}" RESULT_VARIABLE rc)
set(log "")
if(EXISTS "${DIR}/warnings.log")
  file(READ "${DIR}/warnings.log" log)
endif()
if(NOT rc EQUAL 0 OR NOT log STREQUAL "")
  message(FATAL_ERROR "doxygen: exit ${rc}; warnings (${DIR}/warnings.log):\n${log}")
endif()
foreach(page html/index.html man/man3/vcow_cell_open.3vcow man/man3/cell.h.3vcow)
  if(NOT EXISTS "${DIR}/${page}")
    message(FATAL_ERROR "doxygen made no ${DIR}/${page}")
  endif()
endforeach()
message(STATUS "API reference: no warnings; ${DIR}/html/index.html, ${DIR}/man/man3")

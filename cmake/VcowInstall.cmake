# cmake --install: headers, both libraries, a CMake package (vcow::vcow and
# vcow::vcow_static) and vcow.pc.
include(CMakePackageConfigHelpers)

# vcow/mirror.h goes with libvcow-mirror, only where it is built (integrations/mirror).
install(DIRECTORY include/vcow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h"
        PATTERN "mirror.h" EXCLUDE)
install(TARGETS vcow vcow_static EXPORT vcowTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(VCOW_HAVE_TSAN_VARIANT)
  # libvcow-tsan and the suppressions for liburcu's own internals, for
  # programs run under ThreadSanitizer (README).
  install(TARGETS vcow_tsan EXPORT vcowTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES tests/tsan.supp DESTINATION ${CMAKE_INSTALL_DATADIR}/vcow)
endif()
install(EXPORT vcowTargets NAMESPACE vcow:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vcow)

# The config re-finds the pkg-config targets the static library links.
vcow_gc_pc_module("${VCOW_GC}" VCOW_GC_PC)
if(VCOW_GC STREQUAL "ck-epoch")
  set(VCOW_GC_TARGET CK)
else()
  string(REPLACE "urcu-" "URCU_" VCOW_GC_TARGET "${VCOW_GC}")
  string(TOUPPER "${VCOW_GC_TARGET}" VCOW_GC_TARGET)
endif()
set(VCOW_PC_PRIVATE "libxxhash")
if(VCOW_ALLOCATOR STREQUAL "jemalloc")
  string(APPEND VCOW_PC_PRIVATE " jemalloc")
endif()
configure_package_config_file(cmake/vcowConfig.cmake.in
  "${PROJECT_BINARY_DIR}/vcowConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vcow)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/vcowConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/vcowConfig.cmake" "${PROJECT_BINARY_DIR}/vcowConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vcow)

# prefix relative to the .pc file (lib/pkgconfig or lib/<triplet>/pkgconfig).
file(RELATIVE_PATH VCOW_PC_UP "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
configure_file(cmake/vcow.pc.in "${PROJECT_BINARY_DIR}/vcow.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/vcow.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(VCOW_HAVE_TSAN_VARIANT)
  file(RELATIVE_PATH VCOW_PC_DATADIR "${CMAKE_INSTALL_PREFIX}" "${CMAKE_INSTALL_FULL_DATADIR}")
  configure_file(cmake/vcow-tsan.pc.in "${PROJECT_BINARY_DIR}/vcow-tsan.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/vcow-tsan.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

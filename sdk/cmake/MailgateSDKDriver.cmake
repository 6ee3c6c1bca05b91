# mailgate_add_driver(<id> SOURCES <src>... [LINK_LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds the driver <id> as the loadable module `mailgate-<id>.so`, the file name the gateway
# scans its plugins folder for. The module is built with hidden visibility and a linker version
# script, so it exports exactly `mg_driver_entry`; `--no-undefined` turns a missing symbol into a
# link error instead of a load failure in production; `--exclude-libs,ALL` keeps any static
# library the driver links private to it.
include_guard(GLOBAL)

function(mailgate_add_driver id)
    # Resolved here, not at include time: a variable set when this file is included lives in the
    # including directory's scope only, so drivers in sibling directories would not see it.
    set(_mailgate_sdk_cmake_dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES;LINK_LIBRARIES")
    if(NOT id MATCHES "^[a-z][a-z0-9_]*$")
        message(FATAL_ERROR "mailgate_add_driver: '${id}' is not a driver id ([a-z][a-z0-9_]*)")
    endif()
    if(NOT arg_SOURCES)
        message(FATAL_ERROR "mailgate_add_driver(${id}): SOURCES is required")
    endif()

    set(target mailgate-${id})
    add_library(${target} MODULE ${arg_SOURCES})
    target_link_libraries(${target} PRIVATE mailgate::sdk ${arg_LINK_LIBRARIES})
    set_target_properties(${target} PROPERTIES
        PREFIX ""
        OUTPUT_NAME "mailgate-${id}"
        C_VISIBILITY_PRESET hidden
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LINK_DEPENDS "${_mailgate_sdk_cmake_dir}/driver.map")
    target_link_options(${target} PRIVATE
        "LINKER:--version-script=${_mailgate_sdk_cmake_dir}/driver.map"
        "LINKER:--exclude-libs,ALL")
    # Not in the fuzz build (MAILGATE_FUZZ): clang links the sanitizer runtimes and libFuzzer's
    # coverage callbacks into the executable only, and a module built with them leaves those
    # symbols undefined, to be bound to the fuzz target that loads it.
    if(NOT MAILGATE_FUZZ)
        target_link_options(${target} PRIVATE "LINKER:--no-undefined")
    endif()
    if(arg_OUTPUT_DIRECTORY)
        set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
    endif()
endfunction()

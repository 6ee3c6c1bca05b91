# Run by `cmake --install` (component config): writes mailgate.yaml and mailgate.service with
# this install's paths and installs them with mailgate.env. A configuration or secrets file
# already there is the operator's and is kept; the new one lands beside it as *.new.

# GNUInstallDirs' rule, applied to the prefix given at install time: etc and var of /usr are
# /etc and /var, those of /opt/X are /etc/opt/X and /var/opt/X.
function(mailgate_full_dir out dir)
    if(IS_ABSOLUTE "${dir}")
        set(full "${dir}")
    elseif(dir MATCHES "^(etc|var)$" AND CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
        set(full "/${dir}")
    elseif(dir MATCHES "^(etc|var)$" AND CMAKE_INSTALL_PREFIX MATCHES "^/opt/(.+)$")
        set(full "/${dir}/opt/${CMAKE_MATCH_1}")
    else()
        set(full "${CMAKE_INSTALL_PREFIX}/${dir}")
    endif()
    string(REGEX REPLACE "/+$" "" full "${full}")
    set(${out} "${full}" PARENT_SCOPE)
endfunction()

mailgate_full_dir(bindir "${MAILGATE_BINDIR}")
mailgate_full_dir(libdir "${MAILGATE_LIBDIR}")
mailgate_full_dir(sysconfdir "${MAILGATE_SYSCONFDIR}")
mailgate_full_dir(localstatedir "${MAILGATE_LOCALSTATEDIR}")
mailgate_full_dir(unitdir "${MAILGATE_SYSTEMD_UNITDIR}")

set(MAILGATE_BINARY "${bindir}/mailgate")
set(MAILGATE_CONFIG_DIR "${sysconfdir}/mailgate")
set(MAILGATE_PLUGIN_DIR "${libdir}/mailgate/plugins")
set(MAILGATE_STATE_DIR "${localstatedir}/lib/mailgate")

configure_file("${MAILGATE_SOURCE_DIR}/mailgate.yaml.in" "${MAILGATE_WORK_DIR}/mailgate.yaml" @ONLY)
configure_file("${MAILGATE_SOURCE_DIR}/mailgate.service.in" "${MAILGATE_WORK_DIR}/mailgate.service"
    @ONLY)
configure_file("${MAILGATE_SOURCE_DIR}/mailgate.env" "${MAILGATE_WORK_DIR}/mailgate.env" COPYONLY)

# The operator's edited file wins over the shipped one.
function(mailgate_install_kept file permissions)
    set(name "${file}")
    if(EXISTS "$ENV{DESTDIR}${MAILGATE_CONFIG_DIR}/${file}")
        set(name "${file}.new")
        message(STATUS "Keeping ${MAILGATE_CONFIG_DIR}/${file}; the shipped one is ${name}")
    endif()
    file(INSTALL "${MAILGATE_WORK_DIR}/${file}" DESTINATION "${MAILGATE_CONFIG_DIR}"
        RENAME "${name}" PERMISSIONS ${permissions})
endfunction()

mailgate_install_kept(mailgate.yaml "OWNER_READ;OWNER_WRITE;GROUP_READ;WORLD_READ")
mailgate_install_kept(mailgate.env "OWNER_READ;OWNER_WRITE")
file(INSTALL "${MAILGATE_WORK_DIR}/mailgate.service" DESTINATION "${unitdir}"
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# unetpp_superbuild_require_sha256(<name> <url variable> <sha256 variable>)
#
# Stops the configuration with a clear message when a dependency is to be downloaded without a checksum.
# The SuperBuild ships no checksum that was not verified against the archive, so whoever enables a
# download sets the SHA-256 of the archive they trust (for example from `sha256sum` on a copy fetched
# over HTTPS and checked against the publisher's release notes).
function(unetpp_superbuild_require_sha256 name url_variable sha256_variable)
  # CMake regular expressions have no {n} repetition, so the length is checked on its own.
  set(checksum "${${sha256_variable}}")
  string(LENGTH "${checksum}" checksum_length)
  if(NOT checksum MATCHES "^[0-9a-fA-F]+$" OR NOT checksum_length EQUAL 64)
    message(FATAL_ERROR "USE_SYSTEM_${name} is OFF, so the SuperBuild downloads ${${url_variable}}, but "
      "${sha256_variable} is '${${sha256_variable}}', not a SHA-256 checksum (64 hexadecimal digits). "
      "Set -D${sha256_variable}=<checksum of that archive>, or use the installed package with "
      "-DUSE_SYSTEM_${name}=ON.")
  endif()
endfunction()

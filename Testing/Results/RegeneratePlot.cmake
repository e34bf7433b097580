# Regenerates the pruning plot and tables.md from copies of the committed CSV files and checks them.
# Variables: SOURCE_DIR (repository root), WORK_DIR (scratch folder), UNETPP (the built command).

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(GLOB tables "${SOURCE_DIR}/Documentation/results/*.csv")
file(COPY ${tables} DESTINATION "${WORK_DIR}")

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env "UNETPP=${UNETPP}"
          python3 "${SOURCE_DIR}/scripts/measure-results.py" --only plot --output "${WORK_DIR}"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "measure-results.py --only plot failed (${status}):\n${output}")
endif()

file(SIZE "${WORK_DIR}/pruning.png" plotSize)
if(plotSize LESS 10000)
  message(FATAL_ERROR "pruning.png is only ${plotSize} bytes")
endif()
file(READ "${WORK_DIR}/pruning.png" signature LIMIT 4 HEX)
if(NOT signature STREQUAL "89504e47")
  message(FATAL_ERROR "pruning.png does not start with the PNG signature (got ${signature})")
endif()

# The U-Net row averages the three U-Net runs of comparison.csv: paper-style mean IoU 0.89346, 0.89733
# and 0.88636 give a mean of 0.89238 and a population standard deviation of 0.00454.
file(READ "${WORK_DIR}/tables.md" tables)
string(FIND "${tables}" "| U-Net | 3 | 486,553 | 0.8924 ± 0.0045 |" position)
if(position EQUAL -1)
  message(FATAL_ERROR "tables.md has no U-Net row with the mean of the three runs:\n${tables}")
endif()

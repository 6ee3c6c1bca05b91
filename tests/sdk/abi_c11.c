/* abi.h is pure C: this file is compiled as C11 with -pedantic -Werror. */
#include <mailgate/sdk/abi.h>

int main(void)
{
    mg_driver driver = {0};
    driver.struct_size = sizeof driver;
    return MG_HAS_FIELD(&driver, mg_driver, parse_callback) ? 0 : 1;
}

// The test is that every public header compiled on its own (one TU each, linked here).
#include <cstdio>

int main()
{
    std::puts("every public SDK header compiles alone at C++17");
    return 0;
}

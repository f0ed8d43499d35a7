/* The legacy 8259 PICs: remapped away from the exception vectors (their power-on
 * IRQ0 = vector 8 would look like #DF) and fully masked; the core uses the LAPIC. */
#include "arch.h"

void pic_disable(void);
void pic_disable(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11); /* ICW1: init, expect ICW4 */
    outb(0x21, 0x20);
    outb(0xa1, 0x28); /* ICW2: vectors 0x20 / 0x28 */
    outb(0x21, 0x04);
    outb(0xa1, 0x02); /* ICW3: cascade on IRQ2 */
    outb(0x21, 0x01);
    outb(0xa1, 0x01); /* ICW4: 8086 mode */
    outb(0x21, 0xff);
    outb(0xa1, 0xff); /* mask everything */
}

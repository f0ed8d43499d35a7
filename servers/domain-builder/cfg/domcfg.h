/* A domain's configuration: the meaning of the xl.cfg keys the builder
 * understands.  domcfg_from_cfg() checks every value and fills a fixed-size
 * struct domcfg (kept for restarts), or fails with "file:line: reason". */
#ifndef DB_DOMCFG_H
#define DB_DOMCFG_H

#include <stdint.h>
#include "cfg/cfg.h"

#define DOM_NAME_MAX       63
#define DOM_PATH_MAX       255
#define DOM_CMDLINE_MAX    1023 /* start_info.cmd_line holds 1024 bytes */
#define DOM_MAX_VCPUS      8
#define DOM_MAX_MEM_MB     (1u << 20)
#define DOM_DEFAULT_MB     128
#define DOM_MAX_VIFS       8
#define DOM_MAX_DISKS      16
#define DOM_MAX_DEVS       16
#define DOM_SPEC_MAX       255
#define DOM_MAX_MODULES    8
#define DOM_MAX_WARN       8
#define DOM_WARN_LEN       200
#define DOM_MAX_EVTCHN     4095 /* the hypervisor's 2-level event channels: ports 0-4095 */
#define DOM_MAX_GNT_FRAMES 32   /* the hypervisor's grant table limit */
#define DOM_MAX_STATEPG    256  /* state_pages (servers/lib/xsstate.h) */

enum dom_action { ACT_DESTROY, ACT_RESTART, ACT_PRESERVE };

enum dev_kind { DEV_IOPORTS, DEV_IRQ, DEV_MMIO, DEV_PCI };

/* One "devices" element: ioports=FIRST-LAST, irq=N, mmio=MFN-MFN,
 * pci=SEG:BUS:DEV.FN (first/last inclusive). */
struct dom_dev {
    enum dev_kind kind;
    uint64_t first, last;
};

struct domcfg {
    char name[DOM_NAME_MAX + 1];
    char kernel[DOM_PATH_MAX + 1];
    char ramdisk[DOM_PATH_MAX + 1];                 /* "" = none */
    int nmod;                                       /* Tessera: a multiboot module package */
    char module[DOM_MAX_MODULES][DOM_SPEC_MAX + 1]; /* "FILE [ARGS]" */
    char cmdline[DOM_CMDLINE_MAX + 1];
    uint32_t memory_mb, maxmem_mb;
    uint32_t vcpus;
    enum dom_action on_poweroff, on_reboot, on_crash;
    uint32_t caps; /* TESSERA_CAP_* */
    int nvif, ndisk, ndev;
    char vif[DOM_MAX_VIFS][DOM_SPEC_MAX + 1];
    char disk[DOM_MAX_DISKS][DOM_SPEC_MAX + 1];
    struct dom_dev dev[DOM_MAX_DEVS];
    int npci;                     /* xl.cfg "pci": functions to assign */
    uint32_t pci[DOM_MAX_DEVS];   /* SBDF: seg << 16 | bus << 8 | devfn */
    uint32_t max_evtchn_port;     /* max_event_channels (default 1023, as xl) */
    uint32_t max_grant_frames;    /* default 32 */
    uint32_t domid;               /* Tessera: the domain id wanted (1..0x7FEF), 0 = any */
    uint32_t cpu_weight, cpu_cap; /* credit scheduler; 0 = the hypervisor's default */
    int cpu_weight_set, cpu_cap_set;
    uint32_t state_pages; /* Tessera: pages kept across its deaths (docs/restart.md), 0 = none */
    /* "file:line: warning: ..." for keys accepted without effect */
    int nwarn;
    char warn[DOM_MAX_WARN][DOM_WARN_LEN];
};

int domcfg_from_cfg(const struct cfg_file *f, struct domcfg *out, char *err, size_t errlen);
/* Reads and checks a whole file (cfg_parse + domcfg_from_cfg). */
int domcfg_parse(const char *name, const char *text, size_t len, struct domcfg *out, char *err,
                 size_t errlen);

/* The same, with xl create's KEY=VALUE lines (extra, '\n'-separated, may
 * be NULL) appended after the file: they replace settings of the file. */
int domcfg_parse_extra(const char *name, const char *text, size_t len, const char *extra, struct domcfg *out,
                       char *err, size_t errlen);

/* One "disk" or "vif" element alone (xl block-attach, network-attach): the
 * config file's checks; -1 with the reason (no file:line). */
int domcfg_check_element(const char *key, const char *spec, char *err, size_t errlen);

const char *dom_action_name(enum dom_action a);
/* "BUILD,IO" style; buf of at least 40 bytes. */
void dom_caps_str(uint32_t caps, char *buf, size_t len);

#endif

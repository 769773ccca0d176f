/* SPDX-License-Identifier: GPL-2.0 */
/* placeholder: replaced by the core KUnit suites */

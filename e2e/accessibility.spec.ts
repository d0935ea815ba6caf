import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, makeFile, newPeerPage, shareFiles, test } from './fixtures.js'

/** axe-core's WCAG 2.1 A/AA rules; serious and critical findings fail the test, with their details printed. */
async function expectNoSeriousViolations(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  expect(report, `axe on the ${screen} screen`).toEqual([])
  expect(results.passes.length, 'axe ran its rules').toBeGreaterThan(10)
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`main screens have no serious accessibility violations (${colorScheme})`, async ({ browser, server, workDir }) => {
    const files = [makeFile(workDir, 'a.txt', 1000), makeFile(workDir, 'b.bin', 300_000)]
    const sender = await newPeerPage(browser)
    await sender.page.emulateMedia({ colorScheme })
    await sender.page.goto(server.url + '/')
    await expect(sender.page.getByTestId('server-status')).toHaveText('Online')
    await expectNoSeriousViolations(sender.page, 'send')

    const link = await shareFiles(sender.page, server.url, files, { navigate: false })
    await sender.page.getByText('Owner controls').click()
    await expectNoSeriousViolations(sender.page, 'link ready (with owner controls and library)')

    const receiver = await newPeerPage(browser)
    await receiver.page.emulateMedia({ colorScheme })
    await receiver.page.goto(link)
    await expect(receiver.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 60_000 })
    await expectNoSeriousViolations(receiver.page, 'receive')

    await receiver.page.goto(`${server.url}/#${link.split('#')[1].split('.')[0]}.p.AAAAAAAAAAAAAAAAAAAAAA`)
    await expect(receiver.page.getByRole('textbox').or(receiver.page.locator('input[type=password]')).first()).toBeVisible()
    await expectNoSeriousViolations(receiver.page, 'password')

    await receiver.page.goto(`${server.url}/#not-a-link`)
    await expect(receiver.page.getByTestId('link-error')).toBeVisible()
    await expectNoSeriousViolations(receiver.page, 'bad link')

    await receiver.page.goto(`${server.url}/check`)
    await expect(receiver.page.getByRole('heading', { level: 1 })).toBeVisible()
    await expectNoSeriousViolations(receiver.page, 'connection check')
  })
}

test('every control on the send screen is reachable by keyboard, with a visible focus ring', async ({ browser, server }) => {
  const { page } = await newPeerPage(browser)
  await page.goto(server.url + '/')
  await expect(page.getByTestId('server-status')).toHaveText('Online')
  const reached: string[] = []
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null
      if (!el || el === document.body) return null
      // A visually hidden file input shows its focus on the label styled as its button.
      const ring = (el.closest('label.button') as HTMLElement | null) ?? el
      const style = getComputedStyle(ring)
      const label = el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent ?? el.tagName
      return { label: label.trim(), outline: style.outlineStyle, width: style.outlineWidth }
    })
    if (!focused) continue
    expect(focused.outline, `focus ring on ${focused.label}`).not.toBe('none')
    reached.push(focused.label)
  }
  for (const control of ['Password (optional)', 'Link expires', 'Choose files', 'Choose a folder']) {
    expect(
      reached.some((label) => label.includes(control)),
      `${control} reached in ${JSON.stringify(reached)}`,
    ).toBe(true)
  }
})

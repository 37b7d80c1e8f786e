/** The tab's title names the journey, and marks unsaved changes (•) and a read-only version. */
import { useEffect } from 'react';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';

export function useEditorTitle(doc: JourneyDoc, dirty: boolean, version: number | null): void {
  const readOnly = version !== null;
  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${doc.name || doc.id}${readOnly ? ` v${version}` : ''} · Journey designer`;
  }, [dirty, doc.name, doc.id, readOnly, version]);
}

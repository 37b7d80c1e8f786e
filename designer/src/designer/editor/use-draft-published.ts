/**
 * Whether the saved draft is the latest published version (no change since publishing, by the
 * semantic diff the review panel uses): the toolbar then says "Published", not "Draft saved",
 * which read as if there were something left to publish. null while unknown, dirty or unpublished.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AdminApi } from '../../api/admin.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { sameJourney } from '../../../../engine/journey/semantic-diff.js';

export function useDraftPublished(api: AdminApi, journeyId: string, doc: JourneyDoc, dirty: boolean, latest: number | null): boolean | null {
  const [published, setPublished] = useState<{ version: number; doc: JourneyDoc } | null>(null);
  useEffect(() => {
    if (latest === null || published?.version === latest) return;
    let current = true;
    api.version(journeyId, latest).then(
      (version) => current && setPublished({ version: latest, doc: version }),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, journeyId, latest, published?.version]);
  // A whole semantic diff: once per document, not on every render of the editor.
  const known = !dirty && latest !== null && published?.version === latest ? published.doc : null;
  return useMemo(() => (known ? sameJourney(known, doc) : null), [known, doc]);
}

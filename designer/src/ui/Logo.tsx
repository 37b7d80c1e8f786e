/** The designer's mark. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="var(--accent)" />
      <circle cx="7" cy="8" r="2.2" fill="#fff" />
      <circle cx="17" cy="8" r="2.2" fill="#fff" opacity="0.75" />
      <circle cx="12" cy="16.5" r="2.2" fill="#fff" />
      <path d="M8.6 9.6 11 14.6M15.4 9.6 13 14.6" stroke="#fff" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}

from ninja import NinjaAPI

api = NinjaAPI(title="tidtam API", version="1", urls_namespace="api")
